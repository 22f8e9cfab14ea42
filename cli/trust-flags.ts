// The flags every command that talks to a node takes to authenticate an
// https:// network (cli/client/trust.ts): which genesis digest to trust and,
// for the very first connection, which certificate the entry node must show.
import { readFile } from 'node:fs/promises'
import { GenesisSchema, type Genesis } from '../protocols/wire/genesis.js'
import { trustNetwork, type Trusted } from './client/trust.js'
import { UsageError, type Io } from './io.js'

export const TRUST_OPTIONS = {
  'genesis-digest': { type: 'string' },
  genesis: { type: 'string' },
  'tls-fingerprint': { type: 'string' }
} as const

export const TRUST_USAGE = `HTTPS (an https:// node; docs/decisions/0015-https.md): every node's certificate is pinned
from the network's genesis, which is trusted by its digest:
  --genesis-digest HEX     the genesis digest to trust (from your operator, or \`shardsig genesis --digest\`)
  --genesis FILE           a genesis file you hold: its digest is trusted, its fingerprints pinned
  --tls-fingerprint HEX    the entry node's certificate fingerprint, when no digest is known`

export interface TrustFlags {
  'genesis-digest'?: string
  genesis?: string
  'tls-fingerprint'?: string
}

const HEX32 = /^[0-9a-fA-F]{64}$/

/** Reads and checks the trust flags; `keyFileDigest` (a key file's) is the digest trusted when none of them is given. */
export async function trustFromFlags (values: TrustFlags, node: string, io: Io, keyFileDigest?: string): Promise<Trusted> {
  const digest = values['genesis-digest']
  if (digest !== undefined && !HEX32.test(digest)) throw new UsageError('--genesis-digest must be 32 bytes as hex (64 characters)')
  const fingerprint = values['tls-fingerprint']?.replaceAll(':', '')
  if (fingerprint !== undefined && !HEX32.test(fingerprint)) throw new UsageError('--tls-fingerprint must be a SHA-256 fingerprint: 64 hex characters (colons allowed)')
  const genesis = values.genesis !== undefined ? await readGenesisFile(values.genesis) : undefined
  // Any flag is the user's word for the network now; the key file's digest is the one it was dealt under
  // (a membership update since changes it), so it is the default only.
  const pinnedDigest = digest ?? (genesis === undefined && fingerprint === undefined ? keyFileDigest : undefined)
  return await trustNetwork({
    node,
    ...(pinnedDigest !== undefined ? { genesisDigest: pinnedDigest.toLowerCase() } : {}),
    ...(genesis !== undefined ? { genesis } : {}),
    ...(fingerprint !== undefined ? { tlsFingerprint: fingerprint.toLowerCase() } : {}),
    signal: io.signal
  })
}

export async function readGenesisFile (path: string): Promise<Genesis> {
  let json: unknown
  try {
    json = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw new UsageError(`cannot read genesis ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  const parsed = GenesisSchema.safeParse(json)
  if (!parsed.success) throw new UsageError(`${path} is not a valid genesis: ${parsed.error.issues.slice(0, 3).map(i => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  return parsed.data
}
