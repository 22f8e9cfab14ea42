// Keys and signatures for client-side ECDSA tests, made with noble, no network:
// the web3.js documentation's account (secret 4c08…2318, address
// 0x2c7536E3605D9C16a7a3D7b1898e529396a65c23) and its published signature of
// "Some data" (web3.eth.accounts.sign: r b914…f5fd, s 6007…a029, v 0x1c), plus
// key files of every scheme a CLI command can read.
import { ed25519 } from '@noble/curves/ed25519.js'
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import type { KeyFile } from '../../cli/key-file.js'
import { ethereumAddress } from '../../protocols/keys/eth-address.js'
import type { KeyScheme } from '../../protocols/keys/key-scheme.js'
import { deriveKeyId } from '../../protocols/wire/key-record.js'

export const WEB3_SECRET = hexToBytes('4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318')
export const WEB3_ADDRESS = '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23'
/** EIP-191 personal message of "Some data": what web3.eth.accounts.sign hashes with keccak-256. */
export const WEB3_MESSAGE = new TextEncoder().encode('\x19Ethereum Signed Message:\n9Some data')
export const WEB3_DIGEST = '1da44b586eb0729ff70a73c326926f6ed5a25f5b056e7f47fbc6e58d86871655'
export const WEB3_SIGNATURE = { r: 'b91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd', s: '6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a029', v: 1 }

/** r‖s‖v (v the recovery id, one byte) of noble's RFC 6979 signature on a 32-byte digest, low-s. */
export function signRecoverable (secret: Uint8Array, digest: Uint8Array): string {
  const sig = secp256k1.Signature.fromBytes(secp256k1.sign(digest, secret, { prehash: false, format: 'recovered' }), 'recovered')
  return bytesToHex(sig.toBytes('compact')) + sig.recovery!.toString(16).padStart(2, '0')
}

/** A key file for a key whose secret the test holds (the network never would). */
export function keyFileFor (scheme: KeyScheme, secret: Uint8Array, node = 'http://127.0.0.1:1'): KeyFile {
  const groupPublicKey = bytesToHex(scheme === 'ed25519' ? ed25519.getPublicKey(secret) : secp256k1.getPublicKey(secret, true))
  const owner = ed25519.utils.randomSecretKey()
  return {
    version: 1,
    keyId: deriveKeyId(scheme, groupPublicKey),
    scheme,
    groupPublicKey,
    ...(scheme === 'ecdsa-secp256k1' ? { address: ethereumAddress(hexToBytes(groupPublicKey)) } : {}),
    network: 'test',
    node,
    owner: { publicKey: bytesToHex(ed25519.getPublicKey(owner)), secretKey: bytesToHex(owner) },
    createdAt: new Date(0).toISOString()
  }
}

/** A secp256k1 secret whose public key has even Y, as dealing makes every secp256k1 group key (decisions/0018). */
export function evenYSecret (): Uint8Array {
  for (;;) {
    const secret = secp256k1.utils.randomSecretKey()
    if (secp256k1.getPublicKey(secret, true)[0] === 0x02) return secret
  }
}

/** A FROST-scheme signature as the network returns it, made by noble: Ed25519 R‖S or BIP340. */
export function signFrost (scheme: 'ed25519' | 'secp256k1', secret: Uint8Array, message: Uint8Array): string {
  return bytesToHex(scheme === 'ed25519' ? ed25519.sign(message, secret) : schnorr.sign(message, secret))
}
