// The contract between a pure round-based state machine and whatever runs it:
// the node's shell (node/engine/) over libp2p, LevelDB and real timers, or the
// deterministic simulator (test/sim/) over a seeded network and a virtual clock.
// DESIGN section 10; docs/decisions/0016-sign-machines.md.
//
// A machine is `step(state, event) -> { state, effects }`. It reads no clock (the time
// comes in every event), draws no randomness of its own (a `Random` is passed in),
// does no I/O and keeps no global state: the runner carries out the effects and
// feeds back what happened as events. Machines of one node share nothing but the
// runner; their persisted records are the only thing that survives a crash.

/** Milliseconds since the Unix epoch, on the runner's clock (virtual in the simulator). */
export type EpochMs = number

/** Random bytes from the runner: node:crypto in the shell, a seeded PRNG in the simulator. */
export type Random = (bytes: number) => Uint8Array

/**
 * What every machine may ask its runner to do. Machine-specific effects (answer a
 * client, record blame, …) are added to this union by each machine's own type.
 */
export type CoreEffect<M> =
  /** Deliver `msg` to peer `to`, at most once, maybe late or never (the network decides). */
  | { kind: 'send', to: string, msg: M }
  /**
   * Write `value` (or delete the record, `value: undefined`) under `key` in this
   * node's store. `sync: true` survives a crash once `persisted` has come back;
   * `sync: false` may be lost by a crash even after that. The runner answers with
   * `persisted` carrying `token` (in the order the writes were asked for).
   */
  | { kind: 'persist', key: string, value: unknown, sync: boolean, token: string }
  /** Fire `timer` at `atMs` (absolute); setting a timer again moves it. */
  | { kind: 'set-timer', timer: string, atMs: EpochMs }
  | { kind: 'cancel-timer', timer: string }

/** What every machine may be told. Machine-specific events are added by each machine's own type. */
export type CoreEvent<M> =
  /** A message from peer `from`, already decoded and checked against its schema at the edge. */
  | { kind: 'message', from: string, msg: M, nowMs: EpochMs }
  | { kind: 'timer', timer: string, nowMs: EpochMs }
  /** A `persist` effect's write completed (synced ones are durable from here on). */
  | { kind: 'persisted', token: string, nowMs: EpochMs }

export interface Stepped<S, F> {
  state: S
  effects: F[]
}

/**
 * A machine: how it starts from what its node persisted (a fresh node has nothing),
 * and how it steps. `restore` is how a crash is survived: only records whose writes
 * were synced (or unsynced ones the crash happened to keep) are passed in.
 */
export interface Machine<S, E, F> {
  restore: (persisted: ReadonlyMap<string, unknown>, nowMs: EpochMs) => Stepped<S, F>
  step: (state: S, event: E) => Stepped<S, F>
}
