// The passes of one resharing run (docs/protocols/lifecycle.md, the coordinator): a
// pass reshares every candidate key not tried yet in this run, a few at a time with a rest
// after each; passes go on while keys keep arriving. A key dealt at the active epoch while
// the update is pending must be reshared too, or no node that holds it could ever activate.
// A key that failed is not tried again in this run (posting the update again retries it).

export interface ResharePassesInit {
  /** Keys that need resharing now: usable at the active epoch, no confirmed entry at the pending one. */
  candidates: () => string[]
  /** Whether keys may have arrived since the last look (the coordinator was started again); reading it clears it. */
  takeAgain: () => boolean
  /** Reshares one key; a throw is that key's failure, with its reason. */
  reshareKey: (keyId: string) => Promise<void>
  /** Keys resharing at once. */
  concurrentKeys: number
  /** The rest after a key that took `keyMs`, when the pass has more keys (resharing is background work). */
  rest: (keyMs: number) => Promise<void>
  now: () => number
  onPass: (pass: number, keys: number) => void
  onKeyFailed: (keyId: string, reason: string) => void
}

export interface ResharePassesResult {
  tried: ReadonlySet<string>
  failed: ReadonlyMap<string, string>
}

export async function reshareInPasses (init: ResharePassesInit): Promise<ResharePassesResult> {
  const tried = new Set<string>()
  const failed = new Map<string, string>()
  const untried = (): string[] => init.candidates().filter(k => !tried.has(k))
  for (let pass = 1, more = init.takeAgain(); more; pass++) {
    const todo = untried()
    if (todo.length === 0) break
    for (const k of todo) tried.add(k)
    init.onPass(pass, todo.length)
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < todo.length) {
        const keyId = todo[next++]!
        const startedAt = init.now()
        try {
          await init.reshareKey(keyId)
        } catch (err) {
          failed.set(keyId, (err as Error).message)
          init.onKeyFailed(keyId, (err as Error).message)
        }
        if (next < todo.length) await init.rest(init.now() - startedAt)
      }
    }
    await Promise.all(Array.from({ length: init.concurrentKeys }, worker))
    // Keys that arrived meanwhile (the coordinator was started again) or that this pass could not see yet: look again.
    more = init.takeAgain() || untried().length > 0
  }
  return { tried, failed }
}
