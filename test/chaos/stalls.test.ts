// Chaos with real node processes (issue #6, scenarios 2 and 5): a signer
// SIGSTOPped mid-round (a silent party member) is blamed and replaced and the
// request completes; the committee leader kill -9'd during new_user is
// replaced by the backup and the key is usable and known everywhere.
import { setTimeout as sleep } from 'node:timers/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { callJson, callRoute } from '../../cli/client/http.js'
import { HTTP_API } from '../../protocols/wire/http-api.js'
import { newUser } from '../../cli/client/new-user.js'
import { managerOrder, newRequestId } from '../../cli/client/sign.js'
import { keyFileOf, type KeyFile } from '../../cli/key-file.js'
import { selectParty } from '../../protocols/sign/select-party.js'
import { WhoClSchema, WhoCmSchema } from '../../protocols/wire/http.js'
import { useE2eDevnet } from '../helpers/e2e-devnet.js'
import { newOwner } from '../helpers/owner.js'
import { ChaosClient, keysOfEveryScheme, type SignOutcome } from './harness/client.js'
import { FaultLog, RESTART_TIMEOUT_MS } from './harness/faults.js'
import { createRng, scaled, scenarioRng } from './harness/rng.js'
import { conclude } from './harness/scenario.js'

const net = useE2eDevnet('chaos-stalls', { basePortFrom: 28300 })
const keys: KeyFile[] = []
const SCENARIO_TIMEOUT_MS = scaled(180_000, 900_000)
/** How long every node may take to learn a new key from the registry gossip. */
const REGISTRY_SPREAD_TIMEOUT_MS = 15_000

beforeAll(async () => {
  keys.push(...await keysOfEveryScheme(new ChaosClient(net.devnet(), createRng(2))))
}, 60_000)

describe('chaos: stalls', () => {
  it('2: a signer SIGSTOPped mid-round is blamed and replaced, and the request completes', async () => {
    const devnet = net.devnet()
    const rng = scenarioRng('2-silent-signer')
    const client = new ChaosClient(devnet, createRng(rng.seed + 1))
    const faults = new FaultLog()
    const outcomes: SignOutcome[] = []
    const holders = Array.from({ length: devnet.params.committees }, (_, c) => devnet.nodes().filter(n => n.committee === c + 1).map(n => n.peerId))
    const everyone = new Set(devnet.nodes().map(n => n.peerId))
    for (let round = 0; round < scaled(3, 10); round++) {
      const key = keys[round % keys.length]!
      // Roles settled first: the last round's victim was just resumed (after a pause longer than the liveness
      // window it is down, and no manager, in some views until they hear it again). Without it node 1's list
      // left out a manager that the client's entry node already counted, and that CM's blame was not looked at.
      await devnet.waitForAgreement({ timeoutMs: RESTART_TIMEOUT_MS })
      const { managers } = await callJson('GET', `${devnet.node(1).http}/who_cm`, WhoCmSchema)
      // A request whose first party has a member that is not its manager: that one stalls.
      let requestId = ''
      let victim = ''
      for (;;) {
        requestId = newRequestId()
        const cm = managerOrder(managers, requestId)[0]!.peerId
        const sel = selectParty({ requestId, tc: devnet.params.tc, tm: devnet.params.tm, holders, live: everyone, load: new Map(), excluded: new Set() })
        const candidates = sel.ok ? sel.party.filter(p => p.peerId !== cm) : []
        if (candidates.length > 0) { victim = rng.pick(candidates).peerId; break }
      }
      const victimIndex = devnet.indexOfPeer(victim)!
      const signing = client.sign(key, { requestId })
      await sleep(rng.int(0, 60))
      await devnet.pause(victimIndex)
      faults.add(`SIGSTOP node ${victimIndex} (request ${requestId})`)
      const outcome = await signing
      outcomes.push(outcome)
      await devnet.resume(victimIndex)
      faults.add(`SIGCONT node ${victimIndex}`)
      expect(outcome.status, outcome.reason).toBe('completed')
      // Paused before it answered: replaced. (Paused after it sent its share: its share was used, which is fine.)
      // (When the first party the manager really chose did not hold it, there is nothing to blame: one attempt.)
      if (outcome.signers?.some(s => s.peerId === victim) !== true && (outcome.attempts ?? 1) > 1) {
        // Every node is asked: only the CM that ran the request blames, whichever node's view made it a manager.
        const blamed = await Promise.all(devnet.running().map(async i => (await callRoute(devnet.node(i).http, HTTP_API.health)).blame))
        expect(blamed.flat().some(b => b.culprit === victim && b.flow === 'sign'), `node ${victimIndex} blamed by a manager`).toBe(true)
      }
    }
    await conclude({ scenario: '2-silent-signer', rng, devnet, client, outcomes, keys, faults })
  }, SCENARIO_TIMEOUT_MS)

  it('5: the committee leader killed during new_user: the backup leader completes it', async () => {
    const devnet = net.devnet()
    const rng = scenarioRng('5-cl-killed')
    const client = new ChaosClient(devnet, createRng(rng.seed + 1))
    const faults = new FaultLog()
    const made: KeyFile[] = []
    for (let round = 0; round < scaled(2, 6); round++) {
      const scheme = round % 2 === 0 ? 'ed25519' : 'secp256k1'
      // Roles settled first (the last round's leader just restarted, scenario 2 just resumed nodes): the leader
      // and backup read here must be the ones the client's entry node sends the bundle to. Without it a round
      // read node 1's view before the restarted leader was live there again, while the client already used it.
      await devnet.waitForAgreement({ timeoutMs: RESTART_TIMEOUT_MS })
      const { committees } = await callJson('GET', `${devnet.node(1).http}/who_cl`, WhoClSchema)
      const target = rng.pick(committees)
      const clIndex = devnet.indexOfPeer(target.leader!.peerId)!
      const entry = devnet.node(rng.pick(devnet.running().filter(i => i !== clIndex))).http
      const owner = newOwner()
      const started = Date.now()
      const making = newUser({ node: entry, scheme, ownerSecretKey: owner, policy: { ratePerMinute: 10_000 }, signal: AbortSignal.timeout(60_000) })
      await sleep(rng.int(0, 150))
      await devnet.kill(clIndex)
      faults.add(`kill -9 node ${clIndex}, leader of committee ${target.committee}, during new_user (${scheme})`)
      const result = await making
      console.info(`chaos 5-cl-killed: ${scheme} key usable after ${Date.now() - started} ms; committee ${target.committee} via ${result.committees.find(c => c.committee === target.committee)?.via ?? 'none'}`)
      expect(result.usable).toBe(true)
      const via = result.committees.find(c => c.committee === target.committee)?.via
      // Killed before it answered, its backup took the committee's bundle; killed after, its own answer stands.
      expect(via === target.backup?.http || via === target.leader?.http, `committee ${target.committee} via ${via ?? 'none'}`).toBe(true)
      const key = keyFileOf(result.record, entry, owner)
      made.push(key)
      await devnet.start(clIndex, { timeoutMs: RESTART_TIMEOUT_MS })
      faults.add(`node ${clIndex} restarted`)
      // Nothing lost: every node, the restarted leader included, knows the key.
      for (const n of devnet.nodes()) {
        const deadline = Date.now() + REGISTRY_SPREAD_TIMEOUT_MS
        let status = 0
        while (Date.now() < deadline) {
          status = (await fetch(`${n.http}/keys/${key.keyId}`)).status
          if (status === 200) break
          await sleep(250)
        }
        expect(status, `node ${n.index} knows key ${key.keyId}`).toBe(200)
      }
    }
    const outcomes = await Promise.all(made.map(async k => await client.sign(k)))
    await conclude({ scenario: '5-cl-killed', rng, devnet, client, outcomes, keys: [...keys, ...made], faults })
  }, SCENARIO_TIMEOUT_MS)
})
