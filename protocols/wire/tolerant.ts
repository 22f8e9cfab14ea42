// Messages from peers are read the way docs/protocols/versioning.md says a
// node of an older minor version must read a newer one's: fields it does not
// know are kept, not refused. `tolerant(schema)` is the same schema with every
// object in it, however deep, loose instead of strict; the unknown fields stay
// in the parsed value, so a signature over an object (canonical JSON of all of
// it) still verifies, and a record relayed or stored keeps what its author put
// in it. Clients' HTTP bodies keep the strict schemas. Building one walks the schema, so a
// reader of many messages builds it once and keeps it (gossipDecoder below, node/p2p/direct.ts).
import { z } from 'zod'
import { PROTOCOL_VERSION } from '../constants.js'

/** `schema`, with every object type in it accepting (and keeping) fields it does not name. */
export function tolerant<T extends z.ZodType> (schema: T): T {
  return loosen(schema) as T
}

// zod 4 keeps each schema's parts in `_zod.def`; `clone(def)` rebuilds a schema of the same kind,
// checks (refine, superRefine) included, with the parts replaced.
function loosen (schema: z.ZodType): z.ZodType {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def
  const rebuild = (parts: Record<string, unknown>): z.ZodType => (schema as unknown as { clone: (d: unknown) => z.ZodType }).clone({ ...def, ...parts })
  switch (def.type) {
    case 'object': {
      const shape = def.shape as Record<string, z.ZodType>
      return rebuild({ shape: Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, tolerant(v)])), catchall: z.unknown() })
    }
    case 'array':
      return rebuild({ element: tolerant(def.element as z.ZodType) })
    case 'union':
      return rebuild({ options: (def.options as z.ZodType[]).map(o => tolerant(o)) })
    case 'optional':
    case 'nullable':
    case 'default':
    case 'readonly':
      return rebuild({ innerType: tolerant(def.innerType as z.ZodType) })
    case 'record':
      return rebuild({ valueType: tolerant(def.valueType as z.ZodType) })
    case 'pipe':
      return rebuild({ in: tolerant(def.in as z.ZodType) })
    default:
      return schema
  }
}

/**
 * Whether `json` is a message of this major version whose `kind` the node does not know: what a
 * newer minor version may add. Gossip validators ignore such a message (no penalty for its sender)
 * instead of rejecting it.
 */
export function isUnknownKind (json: unknown, knownKinds: ReadonlySet<string>): boolean {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return false
  const { v, kind } = json as { v?: unknown, kind?: unknown }
  return v === PROTOCOL_VERSION && typeof kind === 'string' && kind.length > 0 && kind.length <= 64 && !knownKinds.has(kind)
}

export type Decoded<T> = { kind: 'ok', value: T } | { kind: 'unknown-kind' } | { kind: 'invalid' }

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The reader of one topic's gossip, as a node of this minor version must read it (versioning.md):
 * JSON, checked by `tolerant(schema)`; a message of this major version with a kind `schema` does not
 * name is 'unknown-kind' (the validator ignores it), anything else that fails is 'invalid' (rejected).
 * The tolerant schema and the known kinds are made once, here; keep the reader.
 */
export function gossipDecoder<T> (schema: z.ZodType<T>): (data: Uint8Array) => Decoded<T> {
  const loose = tolerant(schema)
  const kinds = knownKinds(schema)
  return data => {
    let json: unknown
    try {
      json = JSON.parse(utf8.decode(data))
    } catch {
      return { kind: 'invalid' }
    }
    const parsed = loose.safeParse(json)
    if (parsed.success) return { kind: 'ok', value: parsed.data }
    return isUnknownKind(json, kinds) ? { kind: 'unknown-kind' } : { kind: 'invalid' }
  }
}

/** The `kind` values a message schema names (its literal or enum values; a union's, over its options). */
function knownKinds (schema: z.ZodType): ReadonlySet<string> {
  const values = (schema as unknown as { _zod: { propValues?: Record<string, Set<unknown>> } })._zod.propValues?.kind
  return new Set([...(values ?? [])].filter((v): v is string => typeof v === 'string'))
}
