// devnet.json: the devnet's own record of what it generated (ports, peer ids,
// committees, params), read back by every later command.
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { GenesisParamsSchema } from '../protocols/wire/genesis.js'
import { DEVNET_HOST } from './constants.js'
import { DevnetError } from './errors.js'
import { STATE_FILE } from './layout.js'

export const DevnetNodeRecordSchema = z.strictObject({
  index: z.int().min(1),
  nodeId: z.string(),
  peerId: z.string(),
  committee: z.int().min(1),
  p2pPort: z.int().min(1).max(65535),
  httpPort: z.int().min(1).max(65535),
  multiaddr: z.string(),
  http: z.string(),
  /** The address the node listens on and the genesis announces; absent in older state files (127.0.0.1). */
  host: z.string().optional(),
  /** With `--tls`: the SHA-256 fingerprint of the node's certificate (as in the genesis); `http` is then https://. */
  tlsFingerprint: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /** Command the node process is started through (e.g. `ip netns exec NS`), as the last `up` set it. */
  wrapper: z.array(z.string().min(1)).min(1).optional()
})

export const DevnetStateSchema = z.strictObject({
  version: z.literal(1),
  createdAt: z.string(),
  basePort: z.int().min(1).max(65535),
  params: GenesisParamsSchema,
  nodes: z.array(DevnetNodeRecordSchema).min(1)
})

export type DevnetState = z.infer<typeof DevnetStateSchema>
export type DevnetNodeRecord = z.infer<typeof DevnetNodeRecordSchema>

/** Older state files have no host: their nodes are on DEVNET_HOST. */
export function hostOf (node: DevnetNodeRecord): string {
  return node.host ?? DEVNET_HOST
}

/** A devnet generated with `tls` lists a fingerprint for every node it made. */
export function usesTls (state: DevnetState): boolean {
  return state.nodes.some(n => n.tlsFingerprint !== undefined)
}

/** The state in `dir`, or undefined when `dir` holds no devnet. */
export async function readState (dir: string): Promise<DevnetState | undefined> {
  const path = join(dir, STATE_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new DevnetError(`cannot read ${path}: ${(err as Error).message}`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new DevnetError(`${path} is not valid JSON (${(err as Error).message}); remove ${dir} and run \`devnet up\` again`)
  }
  const parsed = DevnetStateSchema.safeParse(raw)
  if (!parsed.success) {
    throw new DevnetError(`${path} is not a devnet state file: ${parsed.error.issues[0]?.message ?? 'invalid'}; remove ${dir} and run \`devnet up\` again`)
  }
  return parsed.data
}

/** Written through a temporary file and a rename, so a reader never sees half a file. */
export async function writeState (dir: string, state: DevnetState): Promise<void> {
  const path = join(dir, STATE_FILE)
  const tmp = `${path}.tmp-${process.pid}`
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n')
  await rename(tmp, path)
}
