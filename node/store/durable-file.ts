// Writing small files so that a crash or power loss leaves the old content or
// the new one, never a mix: a temporary file, fsync, rename, fsync of the folder.
import { randomBytes } from 'node:crypto'
import { open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** Replaces (or creates) `path` atomically with `data`, with exactly `mode`. */
export async function writeFileAtomically (path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(tmp, 'wx', mode)
  try {
    try {
      await handle.chmod(mode) // the umask could have narrowed it; make it exact
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
  await syncDir(dirname(path))
}

/** Without this a rename (or a new file's name) may not survive a power loss. */
export async function syncDir (dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
