// A node as a DKG dealer (docs/protocols/new_user.md#dkg) behind
// /shardsig/dkg/1.0.0: on `commit` it checks the owner's request and the
// dealer set, deals a fresh scalar (protocols/new-user/dkg.ts), keeps only the
// signed reveal (sealed sub-shares and public values; the scalar is gone) and
// answers its digest; on `reveal` it hands the reveal over only once it holds
// every dealer's signed commit, so no dealer can pick its contribution after
// seeing the others'. One commit per session: a replay gets the same commit.
import { randomBytes as nodeRandomBytes } from 'node:crypto'
import { DKG_CLOCK_SKEW_MS, MAX_DKG_SESSIONS_PER_DEALER } from '../../../protocols/constants.js'
import { checkCommitment, checkDealerSet, checkDkgRequest, type DealerOutput } from '../../../protocols/new-user/dkg.js'
import { NewUserRejection } from '../../../protocols/new-user/check-record.js'
import { canonicalJson } from '../../../protocols/wire/canonical.js'
import type { DkgCommitment, DkgContribution, DkgDealerRequest, DkgDealerResponse, DkgRequest } from '../../../protocols/wire/dkg.js'
import type { Membership } from '../../../protocols/wire/membership.js'
import type { Logger } from '../../log.js'
import type { NodeProtocols } from '../../node-protocols.js'

interface DealerSession {
  /** The request and dealer set this dealer committed under (JCS), to answer replays and refuse variants. */
  terms: string
  dealers: string[]
  output: DealerOutput
  expiresAt: number
}

export interface DkgDealerInit {
  membership: Membership
  selfPeerId: string
  /** The Ed25519 seed of our libp2p key: signs our commit and reveal. */
  seed: Uint8Array
  log: Logger
  /** How this dealer deals its contribution: dealContribution, or a Byzantine one in tests (node/node-protocols.ts). */
  deal: NodeProtocols['dealDkg']
  now?: () => number
}

export class DkgDealer {
  private readonly sessions = new Map<string, DealerSession>()
  private readonly now: () => number

  constructor (private readonly init: DkgDealerInit) {
    this.now = init.now ?? Date.now
  }

  async handle (message: DkgDealerRequest): Promise<DkgDealerResponse> {
    try {
      return message.kind === 'commit'
        ? { kind: 'commitment', commitment: await this.commit(message.request, message.dealers) }
        : { kind: 'contribution', contribution: this.reveal(message.session, message.commitments) }
    } catch (err) {
      if (err instanceof NewUserRejection) return { kind: 'reject', code: err.code, reason: err.message }
      throw err
    }
  }

  private async commit (request: DkgRequest, dealers: string[]): Promise<DkgCommitment> {
    const { membership, selfPeerId } = this.init
    const now = this.now()
    this.dropExpired(now)
    checkDkgRequest(request, membership, now)
    if (!dealers.includes(selfPeerId)) throw new NewUserRejection('bad-dealers', `DKG session ${request.session}: this node (${selfPeerId}) is not among the dealers`)
    checkDealerSet(dealers, membership, request.excludeDealers)
    const terms = canonicalJson({ request, dealers })
    const existing = this.sessions.get(request.session)
    if (existing !== undefined) {
      if (existing.terms !== terms) throw new NewUserRejection('replayed', `DKG session ${request.session}: this dealer already committed to it with other terms`)
      return existing.output.commitment
    }
    if (this.sessions.size >= MAX_DKG_SESSIONS_PER_DEALER) {
      throw new NewUserRejection('internal', `this dealer holds ${this.sessions.size} DKG sessions, its limit; try again after ${MAX_DKG_SESSIONS_PER_DEALER} expire`)
    }
    const startedAt = performance.now()
    const output = await this.init.deal(request, membership, selfPeerId, this.init.seed, n => new Uint8Array(nodeRandomBytes(n)))
    this.sessions.set(request.session, { terms, dealers, output, expiresAt: request.expiresAt })
    this.init.log.info({ requestId: request.session, flow: 'new_user', mode: 'dkg', scheme: request.scheme, dealers: dealers.length, ms: Math.round(performance.now() - startedAt) }, 'DKG contribution dealt and sealed; commit sent')
    return output.commitment
  }

  private reveal (session: string, commitments: DkgCommitment[]): DkgContribution {
    const held = this.sessions.get(session)
    if (held === undefined || held.expiresAt + DKG_CLOCK_SKEW_MS < this.now()) throw new NewUserRejection('unknown-session', `DKG session ${session}: this dealer holds no commit for it (never asked, or expired)`)
    if (commitments.length !== held.dealers.length || commitments.some((c, i) => c.dealer !== held.dealers[i])) {
      throw new NewUserRejection('bad-dealers', `DKG session ${session}: a reveal needs one commit from each of the ${held.dealers.length} dealers, in the order committed to`)
    }
    for (const c of commitments) checkCommitment(c, session)
    const mine = commitments.find(c => c.dealer === this.init.selfPeerId)
    if (mine?.contributionDigest !== held.output.commitment.contributionDigest) {
      throw new NewUserRejection('bad-dealers', `DKG session ${session}: the commit listed for this dealer is not the one it made`)
    }
    return held.output.contribution
  }

  private dropExpired (now: number): void {
    for (const [session, held] of this.sessions) if (held.expiresAt + DKG_CLOCK_SKEW_MS < now) this.sessions.delete(session)
  }
}
