// Keys made through the real new_user flow, as key files a client signs with.
import { newUser } from '../../cli/client/new-user.js'
import { keyFileOf, type KeyFile } from '../../cli/key-file.js'
import type { Policy, KeyScheme } from '../../protocols/wire/key-record.js'
import { newOwner } from './owner.js'

export async function makeKey (node: string, scheme: KeyScheme, policy: Partial<Policy> = {}): Promise<KeyFile> {
  const owner = newOwner()
  const { record } = await newUser({ node, scheme, ownerSecretKey: owner, policy })
  return keyFileOf(record, node, owner)
}
