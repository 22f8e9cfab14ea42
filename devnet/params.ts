// Sharing parameters for a generated devnet genesis, from the node count.
// The rule (also in docs/devnet.md):
//   committees K = 3 when N >= 6, else 1 (or as given, 1 <= K <= N)
//   tc = majority of the committees, floor(K / 2) + 1 (never more than K)
//   tm = majority of the largest committee, floor(ceil(N / K) / 2) + 1, when every
//        committee has that many members (so any two signing parties share a
//        signer: docs/protocols/sign.md); else majority of the smallest
//   managers = defaultManagerCount(N) = ceil(N / 4)
// For 9 nodes: 3 committees of 3, tc = 2, tm = 2, 3 managers.
import { defaultManagerCount } from '../protocols/constants.js'
import type { GenesisParams } from '../protocols/wire/genesis.js'
import { DEFAULT_COMMITTEES_LARGE, LARGE_NETWORK_NODES, MAX_DEVNET_NODES } from './constants.js'
import { DevnetUsageError } from './errors.js'

export function defaultCommittees (nodes: number): number {
  return nodes >= LARGE_NETWORK_NODES ? DEFAULT_COMMITTEES_LARGE : 1
}

/** Strict majority of `count`: more than half. */
export function majority (count: number): number {
  return Math.floor(count / 2) + 1
}

/** Committee sizes under assignCommittee: they differ by at most one, so the smallest is floor(N / K). */
export function smallestCommitteeSize (nodes: number, committees: number): number {
  return Math.floor(nodes / committees)
}

export function chooseParams (nodes: number, committees: number = defaultCommittees(nodes)): GenesisParams {
  if (!Number.isSafeInteger(nodes) || nodes < 1 || nodes > MAX_DEVNET_NODES) {
    throw new DevnetUsageError(`node count must be an integer from 1 to ${MAX_DEVNET_NODES}, got ${nodes}`)
  }
  if (!Number.isSafeInteger(committees) || committees < 1 || committees > nodes) {
    throw new DevnetUsageError(`committee count must be an integer from 1 to the node count ${nodes}, got ${committees}`)
  }
  return {
    committees,
    tc: Math.min(majority(committees), committees),
    tm: intersectingTm(nodes, committees),
    managers: defaultManagerCount(nodes)
  }
}

/**
 * The inner threshold: a strict majority of the largest committee, so that two
 * parties always share a member in every committee they share (2·tm > size),
 * provided the smallest committee can still field tm members.
 */
export function intersectingTm (nodes: number, committees: number): number {
  const largest = Math.ceil(nodes / committees)
  const smallest = smallestCommitteeSize(nodes, committees)
  return majority(largest) <= smallest ? majority(largest) : majority(smallest)
}
