// The sizes of the OT extension of DKLs23 (ePrint 2023/765; ot-extension.ts): KOS (ePrint
// 2015/546, corrected version, Fig. 10), i.e. SoftSpokenOT (ePrint 2022/192) with k = 1. The
// numbers are those of the DKLs23 reference implementation (0xCarbon/DKLs23) and of coinbase
// kryptology's KOS, so that their choices (and their security arguments) carry over unchanged.

/** Computational security parameter κ: the number of base OTs, and the width of Δ and of each extended OT row. */
export const KAPPA_BITS = 256
export const KAPPA_BYTES = KAPPA_BITS / 8

/** Statistical security parameter s. */
export const STAT_SECURITY_BITS = 80

/**
 * The consistency check works in GF(2^OT_SECURITY_BITS) (KOS Fig. 10's field, κ + s in the
 * corrected paper): 128 + 80 = 208, as in the DKLs19 implementation. It must divide BATCH_SIZE_OTS.
 */
export const OT_SECURITY_BITS = 128 + STAT_SECURITY_BITS
export const FIELD_BYTES = OT_SECURITY_BITS / 8

/** OTs one extension delivers: what one DKLs23 multiplication needs (κ + 2s, its gadget vector length). */
export const BATCH_SIZE_OTS = KAPPA_BITS + 2 * STAT_SECURITY_BITS
export const BATCH_SIZE_BYTES = BATCH_SIZE_OTS / 8

/** KOS's ℓ' = ℓ + (κ + s): the last OT_SECURITY_BITS choice bits are random and mask the check's linear combination. */
export const EXTENDED_BATCH_SIZE_OTS = BATCH_SIZE_OTS + OT_SECURITY_BITS
/** One row of the KAPPA × ℓ' matrices (the PRG output, u_i, q_i, t_i), bits packed LSB first. */
export const EXTENDED_ROW_BYTES = EXTENDED_BATCH_SIZE_OTS / 8

/** Field elements per row in the check: ℓ' / (κ + s) = 3 (two weighted by χ1, χ2, the masking one added as is). */
export const CHECK_BLOCKS = EXTENDED_BATCH_SIZE_OTS / OT_SECURITY_BITS

/** Most correlation vectors one batch of choice bits may serve (DKLs23 "forced reuse"); the reference's u8 bound. */
export const MAX_OT_WIDTH = 255
