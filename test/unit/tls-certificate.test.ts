// The self-signed certificate node/tls/certificate.ts builds byte by byte:
// node:crypto (OpenSSL) parses it and checks its signature, its fingerprint
// is SHA-256 of the DER, its key is the key written next to it, and a real
// TLS server serves it to a client that trusts exactly it.
import { createHash, createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto'
import { createServer, get } from 'node:https'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { certificateFingerprint, CERTIFICATE_NOT_AFTER, ipBytes, makeSelfSignedCertificate, pemFingerprint } from '../../node/tls/certificate.js'
import { encodeLength, oid, time, unsignedInteger } from '../../node/tls/der.js'
import { seeded } from '../helpers/deterministic.js'

const NOW = new Date(Date.UTC(2026, 5, 1, 12, 0, 0))

function hex (b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}

describe('DER encodings (X.690)', () => {
  it('lengths: short form below 128, long form with the fewest octets', () => {
    expect(hex(encodeLength(0))).toBe('00')
    expect(hex(encodeLength(127))).toBe('7f')
    expect(hex(encodeLength(128))).toBe('8180')
    expect(hex(encodeLength(256))).toBe('820100')
    expect(hex(encodeLength(65_536))).toBe('83010000')
  })

  it('OIDs as in X.690 8.19.5 and RFC 5758 (ecdsa-with-SHA256)', () => {
    expect(hex(oid('1.2.840.10045.4.3.2'))).toBe('06082a8648ce3d040302')
    expect(hex(oid('2.5.29.17'))).toBe('0603551d11')
    expect(hex(oid('2.999.3'))).toBe('0603883703')
  })

  it('a positive INTEGER: leading zeros dropped, 0x00 added before a set top bit', () => {
    expect(hex(unsignedInteger(Uint8Array.of(0, 0, 0x7f)))).toBe('02017f')
    expect(hex(unsignedInteger(Uint8Array.of(0x80)))).toBe('02020080')
    expect(hex(unsignedInteger(Uint8Array.of(0)))).toBe('020100')
  })

  it('UTCTime before 2050, GeneralizedTime from 2050 (RFC 5280 4.1.2.5)', () => {
    expect(Buffer.from(time(new Date(Date.UTC(2049, 11, 31, 23, 59, 59)))).subarray(2).toString()).toBe('491231235959Z')
    expect(time(new Date(Date.UTC(2049, 0, 1)))[0]).toBe(0x17)
    expect(Buffer.from(time(new Date(Date.UTC(2050, 0, 1)))).subarray(2).toString()).toBe('20500101000000Z')
  })

  it('IP addresses as octets, IPv6 compressed or with a dotted tail', () => {
    expect(hex(ipBytes('127.0.0.1'))).toBe('7f000001')
    expect(hex(ipBytes('::1'))).toBe('00000000000000000000000000000001')
    expect(hex(ipBytes('fd00::7:1'))).toBe('fd000000000000000000000000070001')
    expect(hex(ipBytes('::ffff:10.0.0.1'))).toBe('00000000000000000000ffff0a000001')
  })
})

describe('self-signed certificate', () => {
  const made = makeSelfSignedCertificate({ hosts: ['127.0.0.1', '::1', 'node-1.example'], now: NOW, randomBytes: seeded('tls-cert') })
  const cert = new X509Certificate(made.der)

  it('parses with node:crypto X509Certificate and verifies under its own key', () => {
    expect(cert.subject).toBe('CN=127.0.0.1')
    expect(cert.issuer).toBe(cert.subject)
    expect(cert.verify(cert.publicKey)).toBe(true)
    expect(cert.ca).toBe(false)
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1'])
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1')
    expect(cert.subjectAltName).toBe('IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:node-1.example')
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1')
    expect(cert.checkHost('node-1.example')).toBe('node-1.example')
    expect(new Date(cert.validFrom).getTime()).toBe(NOW.getTime() - 3_600_000)
    expect(new Date(cert.validTo).getTime()).toBe(CERTIFICATE_NOT_AFTER.getTime())
  })

  it('its fingerprint is SHA-256 of the DER, lowercase hex, as OpenSSL computes it', () => {
    expect(made.fingerprint).toBe(createHash('sha256').update(made.der).digest('hex'))
    expect(made.fingerprint).toBe(cert.fingerprint256.replaceAll(':', '').toLowerCase())
    expect(pemFingerprint(made.certificatePem)).toBe(made.fingerprint)
    expect(certificateFingerprint(cert.raw)).toBe(made.fingerprint)
  })

  it('its key is the private key written with it, and no other', () => {
    expect(cert.checkPrivateKey(createPrivateKey(made.privateKeyPem))).toBe(true)
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey
    expect(cert.checkPrivateKey(other)).toBe(false)
  })

  it('serial numbers are positive, 16 octets, from the injected randomness', () => {
    const again = makeSelfSignedCertificate({ hosts: ['127.0.0.1'], now: NOW, randomBytes: seeded('tls-cert') })
    expect(new X509Certificate(again.der).serialNumber).toBe(cert.serialNumber)
    expect(cert.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/)
    // Signatures are randomized (ECDSA): two certificates of one key and serial still differ.
    expect(again.fingerprint).not.toBe(made.fingerprint)
  })

  it('refuses a key that is not P-256', () => {
    const ed = generateKeyPairSync('ed25519').privateKey
    expect(() => makeSelfSignedCertificate({ hosts: ['127.0.0.1'], privateKey: ed, now: NOW, randomBytes: seeded('x') })).toThrow(/P-256/)
  })

  it('a node:https server serves it, and a client that trusts exactly this certificate (as curl --cacert would) accepts it', async () => {
    const server = createServer({ key: made.privateKeyPem, cert: made.certificatePem }, (_, res) => { res.end('ok') })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      const body = await new Promise<string>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path: '/', ca: made.certificatePem, agent: false }, res => {
          let text = ''
          res.on('data', (c: Buffer) => { text += c.toString() })
          res.on('end', () => { resolve(text) })
        }).on('error', reject)
      })
      expect(body).toBe('ok')
    } finally {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  })
})
