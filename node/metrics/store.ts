// Times every operation on the node's store for shardsig_store_operation_*,
// and hands each failure to `onError` (the node's health findings, for /health).
// A decorator, so the store itself (node/store/) knows nothing of metrics.
import type { BatchOp, KeyStore, WriteOptions } from '../store/index.js'
import type { NodeMetrics, StoreOp } from './metrics.js'

export interface InstrumentOptions {
  /** Called with every error an operation throws, before it reaches the caller. */
  onError?: (op: StoreOp, err: unknown) => void
}

export function instrumentStore (store: KeyStore, metrics: Pick<NodeMetrics, 'storeDuration' | 'storeErrors'>, opts: InstrumentOptions = {}): KeyStore {
  const timed = async <T>(op: StoreOp, run: () => Promise<T>): Promise<T> => {
    const end = metrics.storeDuration.startTimer({ op })
    try {
      return await run()
    } catch (err) {
      metrics.storeErrors.inc({ op })
      opts.onError?.(op, err)
      throw err
    } finally {
      end()
    }
  }
  return {
    get path () { return store.path },
    get: async (key: string) => await timed('get', async () => await store.get(key)),
    getJson: async <T>(key: string) => await timed('get', async () => await store.getJson<T>(key)),
    put: async (key: string, value: Uint8Array, opts?: WriteOptions) => { await timed('put', async () => { await store.put(key, value, opts) }) },
    putJson: async (key: string, value: unknown, opts?: WriteOptions) => { await timed('put', async () => { await store.putJson(key, value, opts) }) },
    delete: async (key: string, opts?: WriteOptions) => { await timed('delete', async () => { await store.delete(key, opts) }) },
    batch: async (ops: BatchOp[], opts?: WriteOptions) => { await timed('batch', async () => { await store.batch(ops, opts) }) },
    iterate: (prefix: string) => timedIteration(store.iterate(prefix), metrics, opts),
    close: async () => { await store.close() }
  }
}

/** One observation per scan, from its first record asked for to its end (or the caller's break). */
async function * timedIteration (records: AsyncIterable<[string, Uint8Array]>, metrics: Pick<NodeMetrics, 'storeDuration' | 'storeErrors'>, opts: InstrumentOptions): AsyncIterable<[string, Uint8Array]> {
  const end = metrics.storeDuration.startTimer({ op: 'iterate' })
  try {
    yield * records
  } catch (err) {
    metrics.storeErrors.inc({ op: 'iterate' })
    opts.onError?.('iterate', err)
    throw err
  } finally {
    end()
  }
}
