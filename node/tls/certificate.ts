// A node's self-signed HTTPS certificate (RFC 5280 profile, ECDSA P-256 with
// SHA-256 per RFC 5758 §3.2 and RFC 5480): made in-process by `shardsig-node
// init` and `devnet up --tls`. Clients do not trust it through a CA: they pin
// its SHA-256 fingerprint, which the genesis lists next to the node's URL
// (docs/decisions/0015-https.md).
import { createHash, createPublicKey, generateKeyPairSync, sign, X509Certificate, type KeyObject } from 'node:crypto'
import { isIP, isIPv4 } from 'node:net'
import {
  bitString, boolean, contextTag, explicit, octetString, oid, sequence, setOfOne, smallInteger, time, tlv, TAG, unsignedInteger, utf8String
} from './der.js'

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1'
} as const

/** Serial numbers are positive and at most 20 octets (RFC 5280 4.1.2.2); 16 random octets with the top bit cleared. */
export const CERTIFICATE_SERIAL_BYTES = 16
/**
 * "No well-defined expiration date" (RFC 5280 4.1.2.5): a pinned certificate is
 * replaced by a membership update, not by a clock; an expiry would only make a
 * node unreachable one day with nobody having changed anything.
 */
export const CERTIFICATE_NOT_AFTER = new Date(Date.UTC(9999, 11, 31, 23, 59, 59))
/** notBefore this far before `now`: a client whose clock is behind still accepts it (tools that check dates). */
export const CERTIFICATE_BACKDATE_MS = 60 * 60 * 1000

export interface SelfSignedOptions {
  /** Names the certificate is for (subjectAltName): IP addresses and DNS names; the first is also the common name. */
  hosts: readonly string[]
  /** P-256 private key; default a new one. */
  privateKey?: KeyObject
  now: Date
  randomBytes: (n: number) => Uint8Array
}

export interface SelfSignedCertificate {
  der: Uint8Array
  certificatePem: string
  /** PKCS#8, PEM. */
  privateKeyPem: string
  /** SHA-256 of `der`, lowercase hex: what the genesis lists as `tlsFingerprint`. */
  fingerprint: string
}

/** SHA-256 of a DER certificate, lowercase hex (the form `tlsFingerprint` takes in a genesis). */
export function certificateFingerprint (der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex')
}

/** The fingerprint of a PEM certificate; throws when it does not parse. */
export function pemFingerprint (pem: string | Uint8Array): string {
  return certificateFingerprint(new X509Certificate(pem).raw)
}

export function makeSelfSignedCertificate (opts: SelfSignedOptions): SelfSignedCertificate {
  if (opts.hosts.length === 0) throw new RangeError('a certificate needs at least one host')
  const privateKey = opts.privateKey ?? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new TypeError('the certificate key must be an ECDSA P-256 private key')
  }
  const spki = new Uint8Array(createPublicSpki(privateKey))
  const serial = opts.randomBytes(CERTIFICATE_SERIAL_BYTES)
  serial[0] = (serial[0]! & 0x7f) | 0x01 // positive and of full length
  const name = sequence(setOfOne(sequence(oid(OID.commonName), utf8String(opts.hosts[0]!))))
  const signatureAlgorithm = sequence(oid(OID.ecdsaWithSha256)) // parameters absent (RFC 5758 3.2)

  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(serial),
    signatureAlgorithm,
    name, // issuer: itself
    sequence(time(new Date(opts.now.getTime() - CERTIFICATE_BACKDATE_MS)), time(CERTIFICATE_NOT_AFTER)),
    name,
    spki,
    explicit(3, sequence(
      extension(OID.subjectAltName, false, sequence(...opts.hosts.map(generalName))),
      // An end-entity certificate (cA false, the default, so an empty SEQUENCE).
      extension(OID.basicConstraints, true, sequence()),
      // digitalSignature (bit 0) only: ECDHE key exchange with an ECDSA signature.
      extension(OID.keyUsage, true, tlv(TAG.BIT_STRING, Uint8Array.of(7, 0x80))),
      extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth)))
    ))
  )
  const signature = new Uint8Array(sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' }))
  const der = sequence(tbs, signatureAlgorithm, bitString(signature))
  return {
    der,
    certificatePem: pem('CERTIFICATE', der),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    fingerprint: certificateFingerprint(der)
  }
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } (DER leaves a false default out). */
function extension (id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value))
}

/** GeneralName: iPAddress [7] (4 or 16 octets) or dNSName [2] (IA5String), both IMPLICIT. */
function generalName (host: string): Uint8Array {
  if (isIP(host) !== 0) return tlv(contextTag(7, false), ipBytes(host))
  if (!/^[A-Za-z0-9.-]{1,253}$/.test(host)) throw new RangeError(`not an IP address or DNS name: ${JSON.stringify(host)}`)
  return tlv(contextTag(2, false), new TextEncoder().encode(host))
}

/** The octets of an IPv4 or IPv6 address (RFC 5280 4.2.1.6: network byte order). */
export function ipBytes (ip: string): Uint8Array {
  if (isIPv4(ip)) return Uint8Array.from(ip.split('.').map(Number))
  if (isIP(ip) !== 6) throw new RangeError(`not an IP address: ${ip}`)
  // A trailing dotted IPv4 part (::ffff:1.2.3.4) becomes two groups.
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(ip)
  const text = v4 === null ? ip : `${v4[1]!}${ipBytes(v4[2]!).reduce((s, b, i) => s + (i === 2 ? ':' : '') + b.toString(16).padStart(2, '0'), '')}`
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined]
  const groups = (s: string): number[] => s === '' ? [] : s.split(':').map(g => parseInt(g, 16))
  const front = groups(head)
  const back = tail === undefined ? [] : groups(tail)
  const all = tail === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back]
  return Uint8Array.from(all.flatMap(g => [g >> 8, g & 0xff]))
}

/** The public half as SubjectPublicKeyInfo, exactly as OpenSSL writes it (RFC 5480 for P-256). */
function createPublicSpki (privateKey: KeyObject): Buffer {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'der' })
}

function pem (label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64')
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`
}

