// The protocol steps a node runs, given to it at start as values (DESIGN 10): a node runs the
// honest ones of protocols/; a test starts a Byzantine node by giving it others
// (test/helpers/byzantine.ts). There is no config, flag or env that chooses them.
import type { KeyObject } from 'node:crypto'
import type { Frost } from '../protocols/frost/index.js'
import { dealReshare } from '../protocols/lifecycle/reshare.js'
import { dealContribution } from '../protocols/new-user/dkg.js'
import { frostProtocol, type FrostProtocol } from '../protocols/sign/machine/frost-protocol.js'
import { ecdsaProtocol, type EcdsaProtocol } from '../protocols/sign/machine/ecdsa-protocol.js'
import type { GroupBackend } from '../protocols/frost/group/types.js'

export interface NodeProtocols {
  /** FROST as this node's signer machine drives it; `peerKey` signs its share statements. */
  signing: (opts: { frost: Frost, peerKey: KeyObject }) => FrostProtocol
  /** DKLs23 threshold ECDSA (ecdsa-secp256k1 keys) on the node's secp256k1 group. */
  ecdsaSigning: (opts: { group: GroupBackend }) => EcdsaProtocol
  /** A DKG dealer's contribution (new_user --dkg). */
  dealDkg: typeof dealContribution
  /** A holder's contribution when its key is reshared (update_node_set). */
  dealReshare: typeof dealReshare
}

export const HONEST_PROTOCOLS: NodeProtocols = { signing: frostProtocol, ecdsaSigning: ecdsaProtocol, dealDkg: dealContribution, dealReshare }
