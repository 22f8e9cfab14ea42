// The few DER encodings (ITU-T X.690 §8, §10) an X.509 certificate needs
// (node/tls/certificate.ts): definite lengths only, every value built whole.
// Encoding only; node:crypto's X509Certificate parses what this writes.
import { concatBytes } from '@noble/hashes/utils.js'

/** A tag byte: universal class, or context-specific [n] (constructed when `constructed`). */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31
} as const

export function contextTag (n: number, constructed: boolean): number {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError(`context tag [${n}] is not a low tag number`)
  return 0x80 | (constructed ? 0x20 : 0) | n
}

/** X.690 8.1.3: short form below 128, else long form with the fewest length octets. */
export function encodeLength (length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`bad DER length ${length}`)
  if (length < 0x80) return Uint8Array.of(length)
  const octets: number[] = []
  for (let n = length; n > 0; n = Math.floor(n / 256)) octets.unshift(n % 256)
  return Uint8Array.of(0x80 | octets.length, ...octets)
}

/** Tag, length, value. */
export function tlv (tag: number, value: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(tag), encodeLength(value.length), value])
}

export function sequence (...items: Uint8Array[]): Uint8Array {
  return tlv(TAG.SEQUENCE, concat(items))
}

/** A SET OF with one member (each RDN of a name here has one attribute), so no sorting is needed (X.690 11.6). */
export function setOfOne (item: Uint8Array): Uint8Array {
  return tlv(TAG.SET, item)
}

/** [n] EXPLICIT: the whole encoding of `inner` wrapped in a constructed context tag. */
export function explicit (n: number, inner: Uint8Array): Uint8Array {
  return tlv(contextTag(n, true), inner)
}

/** A non-negative INTEGER from its big-endian magnitude: minimal octets, a 0x00 prefix when the top bit is set (8.3.2). */
export function unsignedInteger (magnitude: Uint8Array): Uint8Array {
  let start = 0
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++
  const body = magnitude.length === 0 ? Uint8Array.of(0) : magnitude.subarray(start)
  return tlv(TAG.INTEGER, (body[0]! & 0x80) !== 0 ? concat([Uint8Array.of(0), body]) : body)
}

export function smallInteger (n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new RangeError(`smallInteger takes 0..2^31-1, got ${n}`)
  const bytes: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256)
  return unsignedInteger(Uint8Array.from(bytes))
}

export function boolean (value: boolean): Uint8Array {
  return tlv(TAG.BOOLEAN, Uint8Array.of(value ? 0xff : 0x00))
}

/** OBJECT IDENTIFIER from dotted text (8.19): first two arcs as 40·a + b, each arc base-128. */
export function oid (dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(a => {
    if (!/^\d+$/.test(a)) throw new RangeError(`bad OID ${dotted}`)
    return Number(a)
  })
  if (arcs.length < 2 || arcs[0]! > 2 || (arcs[0]! < 2 && arcs[1]! > 39)) throw new RangeError(`bad OID ${dotted}`)
  const out: number[] = []
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    const groups = [arc & 0x7f]
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) groups.unshift(0x80 | (v & 0x7f))
    out.push(...groups)
  }
  return tlv(TAG.OID, Uint8Array.from(out))
}

export function octetString (bytes: Uint8Array): Uint8Array {
  return tlv(TAG.OCTET_STRING, bytes)
}

/** BIT STRING of whole octets: no unused bits (8.6.2). */
export function bitString (bytes: Uint8Array): Uint8Array {
  return tlv(TAG.BIT_STRING, concat([Uint8Array.of(0), bytes]))
}

export function utf8String (text: string): Uint8Array {
  return tlv(TAG.UTF8_STRING, new TextEncoder().encode(text))
}

/**
 * RFC 5280 4.1.2.5: UTCTime (YYMMDDHHMMSSZ) for 1950–2049, GeneralizedTime
 * (YYYYMMDDHHMMSSZ) from 2050; seconds, no fractions, always UTC.
 */
export function time (at: Date): Uint8Array {
  const year = at.getUTCFullYear()
  if (Number.isNaN(at.getTime()) || year < 1950 || year > 9999) throw new RangeError(`certificate time out of range: ${String(at)}`)
  const two = (n: number): string => String(n).padStart(2, '0')
  const rest = `${two(at.getUTCMonth() + 1)}${two(at.getUTCDate())}${two(at.getUTCHours())}${two(at.getUTCMinutes())}${two(at.getUTCSeconds())}Z`
  return year < 2050
    ? tlv(TAG.UTC_TIME, new TextEncoder().encode(`${two(year % 100)}${rest}`))
    : tlv(TAG.GENERALIZED_TIME, new TextEncoder().encode(`${year}${rest}`))
}

/** The parts end to end (noble's, as the rest of the project uses). */
export const concat = (parts: readonly Uint8Array[]): Uint8Array => concatBytes(...parts)
