// The client's new_user in DKG mode (docs/protocols/new_user.md#dkg): ask any
// node to run the dealers, check the transcript it returns like any member
// would, sign the record it sums to, and send one DKG bundle per committee
// through the committee leaders. A dealer that fails, refuses or deals a bad
// sub-share is excluded and the DKG runs again with a fresh session.
import { randomBytes } from 'node:crypto'
import { bytesToHex } from '@noble/hashes/utils.js'
import { DKG_CLIENT_ATTEMPTS, DKG_CLIENT_REQUEST_LIFETIME_MS, PROTOCOL_VERSION } from '../../protocols/constants.js'
import { ownerPublicKey, signBody } from '../../protocols/crypto/owner-auth.js'
import { DealerFault } from '../../protocols/new-user/check-record.js'
import { recordFromTranscript, verifyTranscript } from '../../protocols/new-user/dkg.js'
import { DKG_BUNDLE_KIND, DKG_REQUEST_KIND, type DkgBundle, type DkgRequest, type DkgResponse } from '../../protocols/wire/dkg.js'
import { HTTP_API } from '../../protocols/wire/http-api.js'
import { DEFAULT_POLICY, KEY_RECORD_KIND } from '../../protocols/wire/key-record.js'
import { membershipOf } from '../../protocols/wire/membership.js'
import { callRoute, ProblemError } from './http.js'
import { GenesisMismatchError, NewUserFailedError, sendBundles, type NewUserOptions, type NewUserResult, type PreparedKey } from './new-user.js'

export interface NewUserDkgOptions extends NewUserOptions {
  /** Dealers not to use from the start. */
  excludeDealers?: string[]
  /** A key given up on (a dealer was excluded and the DKG runs again): e.g. remove its key file. */
  onAbandon?: (prepared: PreparedKey, reason: string) => Promise<void>
}

export interface NewUserDkgResult extends NewUserResult {
  /** The transcript of the DKG that made the key: every dealer's signed commit and reveal. */
  dkg: DkgResponse
  /** Dealers excluded along the way, with why. */
  excluded: Array<{ dealer: string, reason: string }>
}

export class DkgAttemptsExhaustedError extends Error {
  constructor (readonly excluded: NewUserDkgResult['excluded'], last: string) {
    super(`DKG failed ${DKG_CLIENT_ATTEMPTS} times; excluded dealers: ${excluded.map(e => e.dealer).join(', ') || 'none'}; last: ${last}`)
    this.name = 'DkgAttemptsExhaustedError'
  }
}

export async function newUserDkg (opts: NewUserDkgOptions): Promise<NewUserDkgResult> {
  const base = opts.node.replace(/\/$/, '')
  const genesis = await callRoute(base, HTTP_API.genesis, {}, { signal: opts.signal })
  const membership = membershipOf(genesis)
  if (opts.genesisDigest !== undefined && opts.genesisDigest !== membership.genesisDigest) {
    throw new GenesisMismatchError(opts.genesisDigest, membership.genesisDigest, base)
  }
  const policy = { ...DEFAULT_POLICY, ...opts.policy }
  const ownerAuthKey = ownerPublicKey(opts.ownerSecretKey)
  const excluded: NewUserDkgResult['excluded'] = []
  const exclude = (dealer: string, reason: string): void => {
    excluded.push({ dealer, reason })
    opts.onProgress?.(`  dealer ${dealer} excluded: ${reason}`)
  }
  for (const dealer of opts.excludeDealers ?? []) excluded.push({ dealer, reason: 'excluded by the caller' })
  let last = 'no attempt made'

  for (let attempt = 1; attempt <= DKG_CLIENT_ATTEMPTS; attempt++) {
    const request = signBody<Omit<DkgRequest, 'signature'>>(DKG_REQUEST_KIND, {
      v: PROTOCOL_VERSION,
      session: bytesToHex(randomBytes(16)),
      scheme: opts.scheme,
      ownerAuthKey,
      network: membership.network,
      genesisDigest: membership.genesisDigest,
      epoch: membership.epoch,
      ...(excluded.length > 0 ? { excludeDealers: excluded.map(e => e.dealer) } : {}),
      expiresAt: Date.now() + DKG_CLIENT_REQUEST_LIFETIME_MS
    }, opts.ownerSecretKey)
    opts.onProgress?.(`DKG session ${request.session} (attempt ${attempt}) through ${base} ...`)

    let response: DkgResponse
    try {
      response = await callRoute(base, HTTP_API.newUserDkg, { body: request }, { signal: opts.signal })
    } catch (err) {
      const dealer = err instanceof ProblemError ? (err.problem as { dealer?: unknown } | undefined)?.dealer : undefined
      if (typeof dealer !== 'string' || dealer === '') throw err
      last = (err as Error).message
      exclude(dealer, last)
      continue
    }

    // Trust no node: the transcript is checked here as every member will check it.
    let verified
    try {
      if (response.session !== request.session) throw new Error(`${base} answered for DKG session ${response.session}, not ${request.session}`)
      verified = verifyTranscript(response.transcript, membership, opts.scheme)
    } catch (err) {
      if (!(err instanceof DealerFault)) throw err
      last = err.message
      exclude(err.dealer, err.message)
      continue
    }
    const record = signBody(KEY_RECORD_KIND, recordFromTranscript({ scheme: opts.scheme, membership, ownerAuthKey, policy, createdAt: Date.now() }, verified), opts.ownerSecretKey)
    const bundles: DkgBundle[] = membership.committees.map((_, i) =>
      signBody<Omit<DkgBundle, 'signature'>>(DKG_BUNDLE_KIND, { v: PROTOCOL_VERSION, record, committee: i + 1, dkg: response.transcript }, opts.ownerSecretKey))
    const prepared: PreparedKey = { record, bundles }
    await opts.beforeSend?.(prepared)
    try {
      return { ...(await sendBundles(prepared, opts)), dkg: response, excluded }
    } catch (err) {
      const blamed = err instanceof NewUserFailedError ? [...new Set(err.result.committees.flatMap(c => c.blamedDealers ?? []))] : []
      if (blamed.length === 0) throw err
      last = (err as Error).message
      for (const dealer of blamed) exclude(dealer, 'members refused its sub-shares (bad-dealer-share)')
      await opts.onAbandon?.(prepared, last)
    }
  }
  throw new DkgAttemptsExhaustedError(excluded, last)
}
