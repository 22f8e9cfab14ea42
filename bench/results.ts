// What every benchmark shares: where its figures go (bench/results/, git-ignored)
// and the kind of key it signs with.
import { ed25519 } from '@noble/curves/ed25519.js'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { newUser } from '../cli/client/new-user.js'
import { keyFileOf, type KeyFile } from '../cli/key-file.js'
import { findRepoRoot } from '../devnet/entry.js'
import type { KeyScheme } from '../protocols/wire/key-record.js'

/** A policy that never limits a benchmark: its rate and message size are far above what it sends. */
export const BENCH_POLICY = { ratePerMinute: 100_000, maxMessageBytes: 4096 }

/** Writes `value` as bench/results/`file` (pretty JSON) and returns the path it wrote. */
export async function writeBenchResult (file: string, value: unknown): Promise<string> {
  const out = join(findRepoRoot(), 'bench', 'results')
  await mkdir(out, { recursive: true })
  const path = join(out, file)
  await writeFile(path, JSON.stringify(value, null, 2) + '\n')
  return path
}

/** A key made through the real new_user flow, as the key file a client signs with (as test/helpers/keys.ts does). */
export async function makeBenchKey (node: string, scheme: KeyScheme): Promise<KeyFile> {
  const owner = ed25519.utils.randomSecretKey()
  const { record } = await newUser({ node, scheme, ownerSecretKey: owner, policy: BENCH_POLICY })
  return keyFileOf(record, node, owner)
}
