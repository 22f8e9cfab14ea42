// Nodes of a newer minor version among older ones (docs/protocols/versioning.md): the newer
// nodes' heartbeats and goodbyes carry fields this build does not know, and with them they
// gossip messages of a kind this build does not know. Every node reads them through the
// node's own edge (judgeHeartbeat, gossipDecoder): the older nodes ignore the unknown kinds
// (no penalty: nothing is rejected), count the newer nodes live by their heartbeats, and
// their live sets converge exactly as in an all-old network, under the same faults.
import { PROTOCOL_VERSION } from '../../../protocols/constants.js'
import { Prng } from '../prng.js'
import type { Scenario } from '../scenario.js'
import { downNodesAreNotLive, LIVENESS_PEERS, runLiveness } from './liveness.js'
import { nodeIdOf, type EdgeLog } from './liveness-world.js'

/** The nodes on the newer build. */
export const NEWER = new Set(['p4', 'p5'])

const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))

export const versioningScenario: Scenario = {
  name: 'liveness-newer-build',
  description: 'newer nodes gossip heartbeats with unknown fields and messages of unknown kinds: older nodes ignore what they do not know, reject nothing, and live sets converge as before',
  run: (seed, opts) => {
    const extras = new Prng(seed).fork('newer-build')
    let edgeLog: EdgeLog = []
    const sim = runLiveness(seed, opts.traceLines, {
      limits: { mayStayDown: true },
      world: {
        wiresOf: (node, msg) => {
          if (!NEWER.has(node.id)) return [encode(msg)]
          // Optional fields at the top and one level down; now and then a message of a new kind.
          const wires = [encode({ ...msg, load: extras.float(), zone: { name: 'b', racks: [1, 2] } })]
          if (extras.chance(0.3)) wires.push(encode({ v: PROTOCOL_VERSION, kind: 'load-report', nodeId: nodeIdOf(node.id), detail: { cpu: 0.5 } }))
          return wires
        }
      },
      extend: (s, schedule) => {
        s.invariant('a down node is not live', downNodesAreNotLive(schedule, LIVENESS_PEERS))
        s.invariant('nothing a newer node sends is rejected', () => {
          const rejected = edgeLog.find(e => e.verdict === 'reject')
          return rejected === undefined ? undefined : `${rejected.to} rejected a message of ${rejected.from} (${rejected.why})`
        })
      },
      onWorld: world => { edgeLog = world.edgeLog }
    })
    const fromNewer = edgeLog.filter(e => NEWER.has(e.from))
    if (!fromNewer.some(e => e.verdict === 'accept')) sim.fail('newer heartbeats are read', 'no heartbeat of a newer node was accepted')
    if (!fromNewer.some(e => e.verdict === 'ignore' && e.why === 'unknown-kind')) sim.fail('unknown kinds are ignored', 'no message of an unknown kind reached an older node')
    return sim
  }
}
