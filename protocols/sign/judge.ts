// How a CM judges one signing session's answers (docs/protocols/sign.md):
// silence, refusals and round-1 accusations, and the round-1 commitments every
// signer reports. Pure. A single lying signer must not get an honest one
// blamed, so every accusation is weighed against the party's majority and the
// CM's own checks of the request.
import type { Frost, SigningCommitments } from '../frost/index.js'
import type { CurveName } from '../sharing/index.js'
import type { KeyRecord } from '../wire/key-record.js'
import type { InvalidShareEvidence } from '../wire/blame-evidence.js'
import type { PartyAnswer, PartyMember, PresignedCommitment, SignRequest } from '../wire/sign.js'
import { EPOCH_SWITCH_RETRY_MS, PAIR_SETUP_RETRY_MS } from '../constants.js'
import { checkSignRequest, SignRejection } from './check-request.js'

export type CulpritReason =
  | 'silent' | 'invalid-share' | 'equivocated-commitments' | 'misreported-commitments' | 'false-report'
  | 'false-rejection' | 'no-share' | 'rate-limited' | 'malformed-answer' | 'session-abandoned'
  /** Two members of a pairwise round, one saying the other's message never came or was refused: one of them is at fault, which is not known. */
  | 'pair-dispute'

export interface Culprit {
  member: PartyMember
  reason: CulpritReason
  detail: string
  /** false: excluded from this request's next parties, but not a fault (e.g. its own rate limit). */
  blame: boolean
  /** What shows others the blame is true (sign.md#blame-evidence); absent: it stands on the CM's word. */
  evidence?: InvalidShareEvidence
}

/** Refusals about the request itself, which the CM can check for itself. */
const REQUEST_CODES: ReadonlySet<string> = new Set(['bad-owner-signature', 'expired', 'lifetime-too-long', 'message-not-digest', 'message-too-large', 'prefix-mismatch', 'scheme-not-signable'])
/** Refusals from a signer's own safety state: the request cannot go on. */
const FATAL_CODES: ReadonlySet<string> = new Set(['conflict', 'claimed-by-other-coordinator'])

export type Answered = { member: PartyMember, answer: PartyAnswer, error?: undefined } | { member: PartyMember, answer?: undefined, error: string }
export type ShareAnswer = Extract<PartyAnswer, { kind: 'share' }>

export const tagOf = (m: { committee: number, member: number }): string => `${m.committee}/${m.member}`

/** Silence, refusals and round-1 accusations, judged against the CM's own checks and the party's majority. */
/**
 * `pairwise`: the protocol's round messages differ per recipient (DKLs23), so one member's word that
 * another's message never came (or failed its checks) is not contradicted by the others having theirs.
 */
export function judgeRefusals (
  answers: Answered[], record: KeyRecord, request: SignRequest, nowMs: number, opts: { pairwise?: boolean } = {}
): { list: Culprit[], waitMs: number, epochSwitch: boolean } | { fatal: { kind: 'fatal', code: string, reason: string } } {
  const list: Culprit[] = []
  let waitMs = 0
  let epochSwitch = false
  const accusations = new Map<string, PartyMember[]>()
  for (const a of answers) {
    if (a.answer === undefined) { list.push({ member: a.member, reason: 'silent', detail: a.error, blame: true }); continue }
    if (a.answer.kind === 'share') continue
    if (a.answer.kind !== 'reject') {
      // A `noted`, or a `completed-before` whose signature did not verify: not an answer to new_party.
      list.push({ member: a.member, reason: 'malformed-answer', detail: `answered new_party with ${a.answer.kind}`, blame: true })
      continue
    }
    const { code, reason } = a.answer
    if (FATAL_CODES.has(code)) return { fatal: { kind: 'fatal', code, reason } }
    if (code === 'wrong-epoch') {
      // The signer is at another epoch than this CM (update_node_set's switch in progress): nobody to blame, ask again shortly.
      waitMs = Math.max(waitMs, a.answer.retryAfterMs ?? EPOCH_SWITCH_RETRY_MS)
      epochSwitch = true
      continue
    }
    if (code === 'pairs-pending') {
      // DKLs23 pair setups with the party still under way at that signer (a new key or epoch): nobody at fault, ask again shortly.
      waitMs = Math.max(waitMs, a.answer.retryAfterMs ?? PAIR_SETUP_RETRY_MS)
      continue
    }
    if (code === 'leased-by-other-coordinator') {
      // Another CM holds a lease that ends soon (it may have died): wait and try again, nobody to blame.
      waitMs = Math.max(waitMs, a.answer.retryAfterMs ?? 0)
      continue
    }
    if (REQUEST_CODES.has(code)) {
      try {
        checkSignRequest(request, record, nowMs)
      } catch (err) {
        if (err instanceof SignRejection) return { fatal: { kind: 'fatal', code: err.code, reason: err.message } }
        throw err
      }
      list.push({ member: a.member, reason: 'false-rejection', detail: `refused with ${code} although the request passes that check: ${reason}`, blame: true })
    } else if (code === 'round1-timeout' || code === 'round-timeout') {
      // A round's messages missing (round 1, or a later round of a protocol with more): accusations, weighed below.
      for (const m of a.answer.missing ?? []) accusations.set(tagOf(m), [...(accusations.get(tagOf(m)) ?? []), a.member])
    } else if (code === 'rate-limited' || code === 'peer-rate-limited') {
      // The key's rate limit at that signer, or this CM over its per-peer quota there (issue 17): no fault.
      list.push({ member: a.member, reason: 'rate-limited', detail: reason, blame: false })
    } else if (code === 'session-abandoned') {
      // Another CM's recover reached it first (this CM looked dead to it): no fault, but this session is over.
      list.push({ member: a.member, reason: 'session-abandoned', detail: reason, blame: false })
    } else {
      list.push({ member: a.member, reason: code === 'no-share' || code === 'unknown-key' ? 'no-share' : 'malformed-answer', detail: reason, blame: true })
    }
  }
  // A member the majority of the others never heard from in round 1 is silent; a minority accuser is not believed.
  const byTag = new Map(answers.map(a => [tagOf(a.member), a.member]))
  for (const [tag, accusers] of accusations) {
    const accused = byTag.get(tag)
    if (accused === undefined || list.some(c => c.member.peerId === accused.peerId)) continue
    // A member that refused outright (e.g. leased to another CM) never ran round 1: its refusal is judged above, not its
    // silence. One that timed out in a round did run it (its own accusations are weighed here too).
    const refusedOutright = answers.some(a => a.member.peerId === accused.peerId && a.answer?.kind === 'reject' &&
      a.answer.code !== 'round1-timeout' && a.answer.code !== 'round-timeout')
    if (refusedOutright) continue
    // In a pairwise round, two members each saying the other's message never came (or failed): one of the two lies, or their
    // pair is broken (e.g. two different setups), whatever the rest saw. Neither is blamed; both leave the request's parties.
    const mutual = opts.pairwise === true ? accusers.filter(accuser => accusations.get(tagOf(accuser))?.some(m => m.peerId === accused.peerId) === true) : []
    if (mutual.length > 0) {
      const detail = `committee ${accused.committee} member ${accused.member} and ${mutual.map(m => `committee ${m.committee} member ${m.member}`).join(', ')} each say the other's round message never came or failed its checks`
      for (const m of [accused, ...mutual]) if (!list.some(c => c.member.peerId === m.peerId)) list.push({ member: m, reason: 'pair-dispute', detail, blame: false })
      continue
    }
    if (accusers.length * 2 > answers.length - 1) {
      list.push({ member: accused, reason: 'silent', detail: `${accusers.length} of the other ${answers.length - 1} signers never got its round-1 commitment`, blame: true })
    } else if (opts.pairwise === true) {
      // Each accuser got its own message from the accused: either may be lying. Both leave this request's parties, unblamed.
      const detail = (accuser: PartyMember): string => `committee ${accuser.committee} member ${accuser.member} says committee ${accused.committee} member ${accused.member}'s message to it never came or failed its checks; one of the two is at fault`
      for (const accuser of accusers) {
        if (!list.some(c => c.member.peerId === accuser.peerId)) list.push({ member: accuser, reason: 'pair-dispute', detail: detail(accuser), blame: false })
      }
      if (!list.some(c => c.member.peerId === accused.peerId)) list.push({ member: accused, reason: 'pair-dispute', detail: detail(accusers[0]!), blame: false })
    } else {
      for (const accuser of accusers) {
        if (!list.some(c => c.member.peerId === accuser.peerId)) list.push({ member: accuser, reason: 'false-report', detail: `claimed not to have committee ${accused.committee} member ${accused.member}'s commitment, which the others had`, blame: true })
      }
    }
  }
  return { list, waitMs, epochSwitch }
}

/**
 * Every signer reports its own commitment and the list it signed over. For each
 * member the majority of all reports is the truth: a member whose own report
 * differs equivocated; a signer whose list differs misreported. `frost` decodes the majority's points.
 */
export function judgeCommitments (frost: Frost, shares: Array<{ member: PartyMember, answer: ShareAnswer }>, scheme: CurveName): { commitments: SigningCommitments[], culprits: Culprit[] } {
  const culprits: Culprit[] = []
  const blame = (member: PartyMember, reason: CulpritReason, detail: string): void => {
    if (!culprits.some(c => c.member.peerId === member.peerId)) culprits.push({ member, reason, detail, blame: true })
  }
  const commitments: SigningCommitments[] = []
  for (const { member, answer } of shares) {
    const views = new Map<string, { count: number, value: typeof answer.commitment }>()
    const viewOf = new Map<string, string>()
    for (const s of shares) {
      const v = s.member.peerId === member.peerId ? s.answer.commitment : s.answer.commitments.find(c => tagOf(c) === tagOf(member))
      if (v === undefined) { blame(s.member, 'misreported-commitments', `its list lacks committee ${member.committee} member ${member.member}`); continue }
      const key = `${v.hiding}/${v.binding}`
      viewOf.set(s.member.peerId, key)
      views.set(key, { count: (views.get(key)?.count ?? 0) + 1, value: v })
    }
    const [majorityKey, majority] = [...views].sort((a, b) => b[1].count - a[1].count)[0] ?? []
    if (majorityKey === undefined || majority === undefined || majority.count * 2 <= shares.length) {
      blame(member, 'equivocated-commitments', 'the party saw no majority value for its round-1 commitment')
      continue
    }
    for (const s of shares) {
      if (viewOf.get(s.member.peerId) === majorityKey) continue
      if (s.member.peerId === member.peerId) blame(member, 'equivocated-commitments', 'sent different round-1 commitments to different signers')
      else blame(s.member, 'misreported-commitments', `reported another commitment for committee ${member.committee} member ${member.member} than the party saw`)
    }
    try {
      const c = frost.decodeCommitments(scheme, majority.value)
      if (tagOf(c) !== tagOf(member)) throw new Error('the commitment names another signer')
      commitments.push(c)
    } catch (err) {
      blame(member, 'malformed-answer', (err as Error).message)
    }
  }
  return { commitments, culprits }
}

/**
 * A presigned session's commitments come from the CM (the presignatures it sent in new_party), so
 * nobody can equivocate; every signer must report exactly those, its own among them. One that
 * reports anything else signed over another list, or lies about it: blamed.
 */
export function judgePresignedCommitments (shares: Array<{ member: PartyMember, answer: ShareAnswer }>, presigned: readonly PresignedCommitment[]): Culprit[] {
  const sent = new Map(presigned.map(p => [tagOf(p.commitment), `${p.commitment.hiding}/${p.commitment.binding}`]))
  const same = (c: { committee: number, member: number, hiding: string, binding: string }): boolean => sent.get(tagOf(c)) === `${c.hiding}/${c.binding}`
  const culprits: Culprit[] = []
  for (const { member, answer } of shares) {
    const listTags = new Set(answer.commitments.map(tagOf))
    const ok = tagOf(answer.commitment) === tagOf(member) && same(answer.commitment) &&
      answer.commitments.length === sent.size && listTags.size === sent.size && answer.commitments.every(same)
    if (!ok) culprits.push({ member, reason: 'misreported-commitments', detail: 'reported other round-1 commitments than the presignatures of this session', blame: true })
  }
  return culprits
}
