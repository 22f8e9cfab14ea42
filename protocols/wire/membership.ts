// The membership a key is dealt against, derived from the genesis: who is in
// which committee at which position, and their encryption keys. Clients derive
// it themselves from GET /genesis (checking its digest); GET /members serves it
// for reading only.
import { z } from 'zod'
import type { Genesis } from './genesis.js'
import { committeeMembers, genesisDigest } from './genesis.js'
import { hexString } from './hex.js'

export const MembershipSchema = z.strictObject({
  network: z.string(),
  /** genesisDigest() of the genesis this membership comes from. */
  genesisDigest: hexString(32),
  epoch: z.int().min(0),
  params: z.strictObject({ committees: z.int().min(1), tc: z.int().min(1), tm: z.int().min(1) }),
  /** committees[c-1][m-1] is member m of committee c. */
  committees: z.array(z.array(z.strictObject({
    nodeId: z.string(),
    peerId: z.string(),
    http: z.string(),
    encryptionPublicKey: hexString(32)
  })))
})
export type Membership = z.infer<typeof MembershipSchema>

export function membershipOf (genesis: Genesis): Membership {
  const committees: Membership['committees'] = []
  for (let c = 1; c <= genesis.params.committees; c++) {
    committees.push(committeeMembers(genesis, c).map(n => ({
      nodeId: n.nodeId, peerId: n.peerId, http: n.http, encryptionPublicKey: n.encryptionPublicKey
    })))
  }
  const { committees: count, tc, tm } = genesis.params
  return { network: genesis.network, genesisDigest: genesisDigest(genesis), epoch: genesis.epoch, params: { committees: count, tc, tm }, committees }
}

/** Position (1-based) of a peer in its committee, or undefined. */
export function positionOf (membership: Membership, committee: number, peerId: string): number | undefined {
  const i = membership.committees[committee - 1]?.findIndex(m => m.peerId === peerId) ?? -1
  return i < 0 ? undefined : i + 1
}
