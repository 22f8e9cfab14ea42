// Typed errors of nested sharing. Each names its culprit (committee, member) so
// callers can blame the dealer or relay of exactly that share (STYLE: errors name the culprit).

/** Base class; `code` is stable and safe to map to an API status. */
export class SharingError extends Error {
  readonly code: string
  constructor (code: string, message: string) {
    super(message)
    this.name = new.target.name
    this.code = code
  }
}

/** Parameters (committees, tc, tm, member counts) are out of range. */
export class InvalidParamsError extends SharingError {
  constructor (message: string) { super('invalid_params', message) }
}

/** Bytes or hex that do not decode to a valid point of the scheme's prime-order group. */
export class InvalidPointError extends SharingError {
  constructor (message: string) { super('invalid_point', message) }
}

/** Bytes or hex that do not decode to a canonical scalar (< group order). */
export class InvalidScalarError extends SharingError {
  constructor (message: string) { super('invalid_scalar', message) }
}

/** A sub-share does not match its committee's inner commitments: `share·G != Σ G_{c,k} m^k`. */
export class InvalidSubShareError extends SharingError {
  readonly committee: number | undefined
  readonly member: number
  constructor (member: number, committee?: number) {
    const who = committee === undefined ? `member ${member}` : `committee ${committee} member ${member}`
    super('invalid_sub_share', `sub-share of ${who} does not match the inner commitments`)
    this.member = member
    this.committee = committee
  }
}

/** A committee's inner commitments do not fit the outer ones: `G_{c,0} != Σ F_j c^j`, or a wrong length. */
export class InconsistentCommitteeError extends SharingError {
  readonly committee: number
  constructor (committee: number, detail = 'G_{c,0} does not equal the outer commitments evaluated at c') {
    super('inconsistent_committee', `committee ${committee}: ${detail}`)
    this.committee = committee
  }
}

/** A signing party is not exactly tc committees × tm members in range; names the committee at fault when there is one. */
export class InvalidPartyError extends SharingError {
  readonly committee: number | undefined
  constructor (message: string, committee?: number) {
    super('invalid_party', message)
    this.committee = committee
  }
}

/** The public group key breaks a scheme rule (secp256k1: Y must be even; both: must equal F_0). */
export class InvalidGroupKeyError extends SharingError {
  constructor (message: string) { super('invalid_group_key', message) }
}

/**
 * A dealing node (DKG or resharing) sent something that fails a public check or a
 * sub-share that does not match its commitments; `dealer` names it (a peer id) for blame.
 */
export class InvalidDealerError extends SharingError {
  readonly dealer: string
  constructor (dealer: string, detail: string) {
    super('invalid_dealer', `dealer ${dealer}: ${detail}`)
    this.dealer = dealer
  }
}
