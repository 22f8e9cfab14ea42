// Nested threshold sharing for ed25519 and secp256k1 (BIP340) keys; see
// docs/protocols/sharing.md. Pure: randomness is injected, no I/O.
export { curveFor, CURVE_NAMES, RANDOM_SCALAR_BYTES, SCALAR_BYTES } from './curves.js'
export type { Curve, Point, RandomBytes, CurveName } from './curves.js'
export { SecretScalar } from './secret.js'
export {
  SharingError, InvalidParamsError, InvalidPointError, InvalidScalarError, InvalidSubShareError,
  InconsistentCommitteeError, InvalidPartyError, InvalidGroupKeyError, InvalidDealerError
} from './errors.js'
export { randomPolynomial, evaluatePolynomial, commitPolynomial, evaluateCommitments, lagrangeAtZero } from './polynomial.js'
export { dealNested, publicPart, validateParams } from './deal.js'
export type { SharingParams, DealInput, MemberShare, CommitteePublic, CommitteeDeal, NestedPublic, NestedDeal } from './deal.js'
export { publicShare, verifySubShare, verifyCommitteeConsistency, verifyNestedPublic } from './verify.js'
export { signingCoefficient, validateParty, partyCoefficients, partyOfSlots } from './party.js'
export type { Party, PartySigner } from './party.js'
export {
  encodePoint, decodePoint, encodeScalar, decodeScalar, pointToHex, pointFromHex, scalarToHex, scalarFromHex,
  dealsEvenY, hasEvenY, xOnlyPublicKey
} from './encoding.js'
export {
  dealScalar, contributionPublic, verifyContribution, sumContributions, negateContribution, contributionsEqual,
  checkResharingConstant, combineSubShares, negateShare
} from './dealer.js'
export type { Contribution, DealtContribution, ReceivedSubShare } from './dealer.js'
export { proveKnowledge, verifyKnowledge } from './proof-of-knowledge.js'
export type { KnowledgeProof } from './proof-of-knowledge.js'
