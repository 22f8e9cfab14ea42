// Assembles the sign flow on a node: the signer behind /shardsig/party/1.0.0
// (new_party, completed) and /shardsig/sign/1.0.0 (round-1 commitments), and
// the coordinator used by POST /sign_request when this node is a manager.
import { MAX_PRESIGN_MANAGERS, PARTY_TIMEOUT_MS, PROTOCOL_PARTY, PROTOCOL_SIGN, ROUND_ONE_TIMEOUT_MS, SIGN_DRAIN_TIMEOUT_MS } from '../../../protocols/constants.js'
import type { Frost } from '../../../protocols/frost/index.js'
import type { Membership } from '../../../protocols/wire/membership.js'
import type { KeyStates } from '../lifecycle/key-state.js'
import type { PairKeysSource } from './signer.js'
import { PartyRequestSchema, SignRoundSchema, type PartyAnswer } from '../../../protocols/wire/sign.js'
import type { Logger } from '../../log.js'
import type { QuotaMetrics, RetentionMetrics, SignMetrics } from '../../metrics/index.js'
import type { ShardsigLibp2p } from '../../p2p/create-libp2p.js'
import { handleJson, unhandleJson } from '../../p2p/direct.js'
import type { KeyStore } from '../../store/index.js'
import type { BlameLog } from '../blame.js'
import type { NetworkView } from '../network-view.js'
import type { ShareStore } from '../new-user/share-store.js'
import type { KeyRegistry } from '../registry.js'
import { SignCoordinator } from './coordinator.js'
import { KeyMaterials } from './key-material.js'
import { SignLedger } from './ledger.js'
import { RateLimiter } from './rate-limiter.js'
import { Signer } from './signer.js'
import type { NodeProtocols } from '../../node-protocols.js'
import { PresignNonces } from './presign-nonces.js'

export interface SignServiceInit {
  /** The node's FROST, on the backend it chose at start. */
  frost: Frost
  libp2p: ShardsigLibp2p
  view: NetworkView
  membership: Membership
  /** Every epoch's membership this node knows, and every key's state at the active epoch. */
  memberships: { membershipAt: (epoch: number) => Membership | undefined }
  keyStates: KeyStates
  registry: KeyRegistry
  shares: ShareStore
  store: KeyStore
  blame: BlameLog
  log: Logger
  metrics: SignMetrics & QuotaMetrics & RetentionMetrics
  /** FROST as this node's signer drives it (node/node-protocols.ts). */
  signing: NodeProtocols['signing']
  ecdsaSigning: NodeProtocols['ecdsaSigning']
  /** This node's DKLs23 pair keys (node/engine/ecdsa/). */
  pairs: PairKeysSource
  /** Seed of this node's libp2p key (signed statements such as a session's abandonment). */
  peerSeed: Uint8Array
  /** Operator limits (config limits.maxPendingSignRequests, limits.ownerShareOfPendingSignRequests). */
  maxPendingRequests?: number
  ownerShareOfPending?: number
}

export interface SignService {
  coordinator: SignCoordinator
  /** `drain: false`: the requests it coordinates stop where they are, without SIGN_DRAIN_TIMEOUT_MS to finish. */
  stop: (opts?: { drain?: boolean }) => Promise<void>
}

/** The most a party reject's retryAfterMs may say (PartyAnswerSchema). */
const MAX_RETRY_AFTER_MS = 60_000
/** A signer's new_party answer may take round 1 plus the store write; leave room beyond the CM's own deadline. */
const PARTY_HANDLER_TIMEOUT_MS = PARTY_TIMEOUT_MS + ROUND_ONE_TIMEOUT_MS

export async function startSignService (init: SignServiceInit): Promise<SignService> {
  const { frost, libp2p, log } = init
  const members = new Set(init.membership.committees.flat().map(m => m.peerId))
  const keys = new KeyMaterials(init.registry, init.memberships, init.keyStates)
  // Retained state (docs/operations.md#retained-state): the ledger prunes itself, the rest is bounded where it is kept.
  const ledger = new SignLedger(init.store, { log, metrics: init.metrics })
  await ledger.start()
  const signerRate = new RateLimiter()
  const presigns = new PresignNonces({ frost })
  init.metrics.retained('rate_limited_keys', () => signerRate.keys)
  init.metrics.retained('presign_nonces', () => presigns.size)
  init.metrics.retained('presign_managers', () => presigns.managers, MAX_PRESIGN_MANAGERS)
  const signer = new Signer({
    frost, libp2p, selfPeerId: init.view.selfPeerId, peerSeed: init.peerSeed, keys, shares: init.shares, ledger,
    rate: signerRate, presigns, log, signing: init.signing, ecdsaSigning: init.ecdsaSigning, pairs: init.pairs, isMember: peerId => members.has(peerId), members
  })
  const coordinator = new SignCoordinator({
    frost, libp2p, view: init.view, keys, store: init.store, blame: init.blame, rate: new RateLimiter(), log, metrics: init.metrics, maxPendingRequests: init.maxPendingRequests, ownerShareOfPending: init.ownerShareOfPending,
    localSigner: {
      onNewParty: async (np, signal) => await signer.onNewParty(np, init.view.selfPeerId, signal),
      onRecover: async req => await signer.onRecover(req),
      onCompleted: async (keyId, requestId, signature) => { await signer.onCompleted(keyId, requestId, signature) },
      onPresign: async req => await signer.onPresign(req, init.view.selfPeerId)
    }
  })
  // A start that fails leaves no pruner running on a store its node closes.
  await coordinator.start().catch((err: unknown) => { ledger.stop(); throw err })

  await handleJson({
    libp2p,
    protocol: PROTOCOL_PARTY,
    requestSchema: PartyRequestSchema,
    malformed: (reason): PartyAnswer => ({ kind: 'reject', sessionId: '', code: 'malformed', reason }),
    // The CM excludes this member from the request's next parties without blame (protocols/sign/judge.ts).
    overQuota: (reason, retryAfterMs): PartyAnswer => ({ kind: 'reject', sessionId: '', code: 'peer-rate-limited', reason, retryAfterMs: Math.min(retryAfterMs, MAX_RETRY_AFTER_MS) }),
    timeoutMs: PARTY_HANDLER_TIMEOUT_MS,
    log,
    handle: async (req, { peerId, signal }): Promise<PartyAnswer> => {
      // Any member may be a manager in someone's view; strangers coordinate nothing here.
      if (!members.has(peerId)) return { kind: 'reject', sessionId: 'sessionId' in req ? req.sessionId : '', code: 'not-a-member', reason: `${peerId} is not in this network` }
      if (req.kind === 'completed') {
        await signer.onCompleted(req.keyId, req.requestId, req.signature)
        return { kind: 'noted' }
      }
      // A recover can end a session for good (abandoned), and presignatures hold nonces here for their
      // manager: only a manager in our view may send either.
      if ((req.kind === 'recover' || req.kind === 'presign') && !init.view.isManager(peerId)) {
        return { kind: 'reject', sessionId: 'sessionId' in req ? req.sessionId : '', code: 'not-a-manager', reason: `${peerId} is no communication manager in this node's view` }
      }
      if (req.kind === 'presign') return await signer.onPresign(req, peerId)
      if (req.kind === 'recover') return await signer.onRecover(req, peerId)
      return await signer.onNewParty(req, peerId, signal)
    }
  })
  await handleJson({
    libp2p,
    protocol: PROTOCOL_SIGN,
    requestSchema: SignRoundSchema,
    malformed: reason => ({ kind: 'reject', reason }),
    overQuota: reason => ({ kind: 'reject', reason }),
    timeoutMs: ROUND_ONE_TIMEOUT_MS,
    log,
    // Only network members sign; anything else is refused before it reaches a session.
    handle: async (msg, { peerId }) => members.has(peerId) ? signer.onRound(msg, peerId) : { kind: 'reject' as const, reason: `${peerId} is not in this network` }
  })

  return {
    coordinator,
    stop: async (opts = {}) => {
      // The coordinator first lets the requests it runs finish (its own signer answers meanwhile).
      await coordinator.stop(opts.drain === false ? 0 : SIGN_DRAIN_TIMEOUT_MS)
      signer.stop()
      ledger.stop()
      await unhandleJson(libp2p, PROTOCOL_PARTY)
      await unhandleJson(libp2p, PROTOCOL_SIGN)
    }
  }
}
