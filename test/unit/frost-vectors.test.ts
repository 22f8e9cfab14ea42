// Published FROST vectors replayed through protocols/frost's own RFC 9591 rounds (flat identifiers,
// RFC Lagrange coefficients) and its round-1 `commit`, on every group backend: nonces, commitments,
// signature shares and signatures must match byte for byte.
import { createPublicKey, verify as nodeVerify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { schnorr } from '@noble/curves/secp256k1.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import {
  createFrost, selectBackend, type BackendPreference, type FlatCommitment, type RawNonces
} from '../../protocols/frost/index.js'
import { curveFor, SecretScalar, type CurveName } from '../../protocols/sharing/index.js'

interface Participant { id: number, share: string, hidingRandomness: string, bindingRandomness: string,
  hidingNonce: string, bindingNonce: string, hidingCommitment: string, bindingCommitment: string, sigShare: string }
interface Vector { scheme: CurveName, source: string, groupPublicKey: string, message: string, signers: Participant[], sig: string }

const VECTORS: Vector[] = [
  {
    // FROST(Ed25519, SHA-512), RFC 9591 Appendix E.1 inputs: github.com/cfrg/draft-irtf-cfrg-frost,
    // poc/frost-ed25519-sha512.json at the draft's last commit 127452b (the vectors the RFC prints).
    scheme: 'ed25519',
    source: 'cfrg/draft-irtf-cfrg-frost poc/frost-ed25519-sha512.json @127452b',
    groupPublicKey: '15d21ccd7ee42959562fc8aa63224c8851fb3ec85a3faf66040d380fb9738673',
    message: '74657374',
    signers: [{
      id: 1,
      share: '929dcc590407aae7d388761cddb0c0db6f5627aea8e217f4a033f2ec83d93509',
      hidingRandomness: '0fd2e39e111cdc266f6c0f4d0fd45c947761f1f5d3cb583dfcb9bbaf8d4c9fec',
      bindingRandomness: '69cd85f631d5f7f2721ed5e40519b1366f340a87c2f6856363dbdcda348a7501',
      hidingNonce: '812d6104142944d5a55924de6d49940956206909f2acaeedecda2b726e630407',
      bindingNonce: 'b1110165fc2334149750b28dd813a39244f315cff14d4e89e6142f262ed83301',
      hidingCommitment: 'b5aa8ab305882a6fc69cbee9327e5a45e54c08af61ae77cb8207be3d2ce13de3',
      bindingCommitment: '67e98ab55aa310c3120418e5050c9cf76cf387cb20ac9e4b6fdb6f82a469f932',
      sigShare: '001719ab5a53ee1a12095cd088fd149702c0720ce5fd2f29dbecf24b7281b603'
    }, {
      id: 3,
      share: 'd3cb090a075eb154e82fdb4b3cb507f110040905468bb9c46da8bdea643a9a02',
      hidingRandomness: '86d64a260059e495d0fb4fcc17ea3da7452391baa494d4b00321098ed2a0062f',
      bindingRandomness: '13e6b25afb2eba51716a9a7d44130c0dbae0004a9ef8d7b5550c8a0e07c61775',
      hidingNonce: 'c256de65476204095ebdc01bd11dc10e57b36bc96284595b8215222374f99c0e',
      bindingNonce: '243d71944d929063bc51205714ae3c2218bd3451d0214dfb5aeec2a90c35180d',
      hidingCommitment: 'cfbdb165bd8aad6eb79deb8d287bcc0ab6658ae57fdcc98ed12c0669e90aec91',
      bindingCommitment: '7487bc41a6e712eea2f2af24681b58b1cf1da278ea11fe4e8b78398965f13552',
      sigShare: 'bd86125de990acc5e1f13781d8e32c03a9bbd4c53539bbc106058bfd14326007'
    }],
    sig: '36282629c383bb820a88b71cae937d41f2f2adfcc3d02e55507e2fb9e2dd3cbebd9d2b0844e49ae0f3fa935161e1419aab7b47d21a37ebeae1f17d4987b3160b'
  },
  {
    // FROST(secp256k1, SHA-256)-TR (BIP340 output; not in the RFC): the reference implementation's
    // vectors, github.com/ZcashFoundation/frost frost-secp256k1-tr/tests/helpers/vectors.json @0966bd1.
    scheme: 'secp256k1',
    source: 'ZcashFoundation/frost frost-secp256k1-tr/tests/helpers/vectors.json @0966bd1',
    groupPublicKey: '02f37c34b66ced1fb51c34a90bdae006901f10625cc06c4f64663b0eae87d87b4f',
    message: '74657374',
    signers: [{
      id: 1,
      share: '08f89ffe80ac94dcb920c26f3f46140bfc7f95b493f8310f5fc1ea2b01f4254c',
      hidingRandomness: 'bda8e748e599187762cff956f03dc6ea13fc8e04491a0427b7e6e78600f41c52',
      bindingRandomness: '2ca682429bf05df435b9927b8edb1d748278f3e42fa11ef358e49bbf4a1b780d',
      hidingNonce: '58cd30723da418156fe9b71870a118e0bbc3d0353ba7c760f9bbc8d60c3dab29',
      bindingNonce: 'c22289cc43b82ed938d4b2288efb7381c405fb59f5d43bddc543d98838c60b19',
      hidingCommitment: '024e34ab3a7ad6b4563dbfe97e9f1206b3378cceb2502491ed0fb709765e1e5ba8',
      bindingCommitment: '03d4b1f3a61dc67e64dfb4abfccabb712f1f6914a6ec9b67749d171370453192cb',
      sigShare: '2ffc305d1694fd84108b84d98306a1af807c6ad9bc3a2d8e448a09643202a15b'
    }, {
      id: 3,
      share: '00e95d59dd0d46b0e303e500b62b7ccb0e555d49f5b849f5e748c071da8c0dbc',
      hidingRandomness: '70818dd5170672c4a4285fd593d4f222417f941f3118e1244955e7a1098a35d8',
      bindingRandomness: '74ca2da071ed4a2a6cad5087d6758b48a558ab5861c61117fee05757e4b1309e',
      hidingNonce: 'a4109db0a5db30fac8cd1f4e272ff02e08258928f067d82c63d97279b114514a',
      bindingNonce: 'ce3837bd963f0d81002279f7bb9eefceac64435f638885c2beae6f1dd881fd9e',
      hidingCommitment: '02d768658a1b94225645401a1512b803657770c7a21bf9ccccccfa09930a44951b',
      bindingCommitment: '034570a4e5217ee8770a28401185f50b4fce4d3f3933a3af9df7ab39b42381d0eb',
      sigShare: 'a8c392566ea29e852b4080a028bf5547166c87e703e4fb7136d4ebef65f99b3f'
    }],
    sig: '0c776a9516a77808b70a31e74f1464814a6fcf897fb3a6bd84c7a9a9a7a5bcb8d8bfc2b385379c093bcc0579abc5f6f696e8f2c0c01f28ff7b5ef55397fc3c9a'
  }
]

/** randomBytes that replays the vector's randomness: hiding first, then binding, 32 bytes each. */
function replay (...chunks: string[]): (n: number) => Uint8Array {
  const queue = chunks.map(hexToBytes)
  return (n: number) => {
    const next = queue.shift()
    if (next === undefined || next.length !== n) throw new Error(`unexpected randomBytes(${n})`)
    return next
  }
}

function independentlyVerifies (scheme: CurveName, sig: Uint8Array, msg: Uint8Array, groupKey: Uint8Array): boolean {
  if (scheme === 'secp256k1') return schnorr.verify(sig, msg, groupKey.subarray(1))
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(groupKey).toString('base64url') }, format: 'jwk' })
  return nodeVerify(null, msg, key, sig) && ed25519.verify(sig, msg, groupKey, { zip215: false })
}

const BACKENDS: BackendPreference[] = ['native', 'noble']

describe.each(BACKENDS)('backend %s', preference => {
  const frost = createFrost(selectBackend(preference))

  describe.each(VECTORS)('$scheme vectors ($source)', v => {
    const backend = frost.flat(v.scheme)
    const msg = hexToBytes(v.message)
    const groupKey = hexToBytes(v.groupPublicKey)

    it('round 1 reproduces the nonces and commitments from the given randomness', () => {
      for (const p of v.signers) {
        const out = backend.commit(hexToBytes(p.share), replay(p.hidingRandomness, p.bindingRandomness))
        expect(bytesToHex(out.nonces.hiding)).toBe(p.hidingNonce)
        expect(bytesToHex(out.nonces.binding)).toBe(p.bindingNonce)
        expect(bytesToHex(out.hiding)).toBe(p.hidingCommitment)
        expect(bytesToHex(out.binding)).toBe(p.bindingCommitment)
      }
    })

    it('the nested commit() hedges with the raw share exactly like the RFC commit', () => {
      const p = v.signers[0]!
      const share = new SecretScalar(curveFor(v.scheme).decodeScalar(hexToBytes(p.share)))
      const { commitments } = frost.commit({ scheme: v.scheme, committee: 1, member: 1, share }, replay(p.hidingRandomness, p.bindingRandomness))
      expect(bytesToHex(commitments.hiding)).toBe(p.hidingCommitment)
      expect(bytesToHex(commitments.binding)).toBe(p.bindingCommitment)
    })

    it('round 2 and aggregation reproduce the signature shares and the signature', () => {
      const list: FlatCommitment[] = v.signers.map(p => ({
        identifier: backend.identifier(p.id), hiding: hexToBytes(p.hidingCommitment), binding: hexToBytes(p.bindingCommitment)
      }))
      const shares: Record<string, Uint8Array> = {}
      const verifyingShares: Record<string, Uint8Array> = {}
      for (const p of v.signers) {
        const id = backend.identifier(p.id)
        const nonces: RawNonces = { hiding: hexToBytes(p.hidingNonce), binding: hexToBytes(p.bindingNonce) }
        const share = backend.signShare(id, hexToBytes(p.share), groupKey, nonces, list, msg)
        expect(bytesToHex(share)).toBe(p.sigShare)
        expect(nonces.hiding.every(b => b === 0)).toBe(true) // round 2 zeroes used nonces
        verifyingShares[id] = curveFor(v.scheme).encodePoint(curveFor(v.scheme).mulBase(curveFor(v.scheme).decodeScalar(hexToBytes(p.share))))
        expect(backend.verifyShare(id, verifyingShares[id], groupKey, list, msg, share)).toBe(true)
        shares[id] = share
      }
      const sig = backend.aggregate(groupKey, verifyingShares, list, msg, shares)
      expect(bytesToHex(sig)).toBe(v.sig)
      expect(independentlyVerifies(v.scheme, sig, msg, groupKey)).toBe(true)
    })
  })
})
