// Builds an in-memory genesis for tests that need membership but no processes.
import type { Genesis } from '../../protocols/wire/genesis.js'
import { assignCommittee } from '../../protocols/wire/genesis.js'

export function fakeGenesis (n: number, committees: number, params: Partial<Genesis['params']> = {}): Genesis {
  return {
    version: 1,
    network: 'test',
    epoch: 0,
    params: { committees, tc: Math.min(2, committees), tm: 1, managers: Math.ceil(n / 4), ...params },
    nodes: Array.from({ length: n }, (_, i) => ({
      nodeId: `node-${i + 1}`,
      peerId: `peer-${i + 1}`,
      multiaddrs: [`/ip4/127.0.0.1/tcp/${20000 + i}`],
      http: `http://127.0.0.1:${21000 + i}`,
      encryptionPublicKey: '00'.repeat(32),
      committee: assignCommittee(i, committees)
    }))
  }
}
