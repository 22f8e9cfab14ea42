// The key registry and the keys' states at the active epoch, made together for
// a member (node.ts) and a joining node (join.ts): each needs the other. The
// registry checks an erasure receipt of a reshared key against its holders at
// that epoch (the states); the states list usable keys from the registry.
import type { Genesis } from '../protocols/wire/genesis.js'
import { KeyStates } from './engine/lifecycle/key-state.js'
import { KeyRegistry, type RegistryInit } from './engine/registry.js'

/** Both made, the states loaded from the store; the registry is not started (its caller starts it when its peers may sync). */
export async function openKeyRegistry (init: Omit<RegistryInit, 'epochHolders'> & { active: Genesis }): Promise<{ registry: KeyRegistry, keyStates: KeyStates }> {
  const { active, ...registryInit } = init
  const registry: KeyRegistry = new KeyRegistry({
    ...registryInit,
    // Erasure receipts of reshared holders: keyStates exists by the time any receipt arrives (the registry is not started yet).
    epochHolders: (keyId, epoch) => keyStates.holdersAt(keyId, epoch)
  })
  const keyStates: KeyStates = new KeyStates({ store: init.store, active, registry })
  await keyStates.load()
  return { registry, keyStates }
}
