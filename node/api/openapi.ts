// Builds the OpenAPI 3.1 document of GET /openapi.json from the route table
// (protocols/wire/http-api.ts), with zod's own JSON Schema output (draft
// 2020-12, the dialect OpenAPI 3.1 uses). Nothing here is written by hand
// twice: the schemas are the ones the handlers validate with.
import { z } from 'zod'
import {
  HTTP_API, METHOD_NOT_ALLOWED, NAMED_SCHEMAS, problemsOf, type ContentSpec, type HeaderSpec, type HttpRoute, type ParamSpec, type ProblemSpec
} from '../../protocols/wire/http-api.js'
import { PROBLEM_BASE, SIGN_REJECTION_STATUS } from '../../protocols/wire/problems.js'
import { packageVersion } from '../metrics/version.js'

export const OPENAPI_VERSION = '3.1.1'
type Json = Record<string, unknown>

/** JSON Schema 2020-12's formats. zod also writes its own names (`starts_with`) next to a `pattern` that already says it all. */
const STANDARD_FORMATS = new Set([
  'date-time', 'date', 'time', 'duration', 'email', 'idn-email', 'hostname', 'idn-hostname', 'ipv4', 'ipv6', 'uri', 'uri-reference',
  'iri', 'iri-reference', 'uuid', 'uri-template', 'json-pointer', 'relative-json-pointer', 'regex'
])
const JSON_SCHEMA_OPTIONS = {
  target: 'draft-2020-12',
  override: ({ jsonSchema }: { jsonSchema: { format?: string } }) => {
    if (jsonSchema.format !== undefined && !STANDARD_FORMATS.has(jsonSchema.format)) delete jsonSchema.format
  }
} as const

export interface OpenApiInfo { title?: string, version: string }

/** `/keys/:keyId` → `/keys/{keyId}`. */
export function openApiPath (honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
}

export function buildOpenApiDocument (info: OpenApiInfo, routes: Record<string, HttpRoute> = HTTP_API): Json {
  const registry = z.registry<{ id: string }>()
  const nameOf = new Map<z.ZodType, string>()
  for (const [id, schema] of Object.entries(NAMED_SCHEMAS)) {
    registry.add(schema, { id })
    nameOf.set(schema, id)
  }
  const uri = (id: string): string => `#/components/schemas/${id}`
  const converted = z.toJSONSchema(registry, { ...JSON_SCHEMA_OPTIONS, uri }) as { schemas: Record<string, Json> }
  // Each entry comes out as a standalone JSON Schema; inside components the document is the root.
  const components: Record<string, Json> = {}
  for (const [id, { $id: _id, $schema: _schema, ...rest }] of Object.entries(converted.schemas)) components[id] = rest

  const schemaRef = (schema: z.ZodType): Json => {
    const id = nameOf.get(schema)
    if (id !== undefined) return { $ref: uri(id) }
    const inline = z.toJSONSchema(schema, JSON_SCHEMA_OPTIONS) as Json
    if (inline.type === 'object' || inline.type === 'array') throw new Error('an object or array schema in the route table needs a name in NAMED_SCHEMAS')
    const { $schema: _s, ...rest } = inline
    return rest
  }
  const oneOrAny = (schemas: readonly z.ZodType[]): Json =>
    schemas.length === 1 ? schemaRef(schemas[0]!) : { anyOf: schemas.map(schemaRef) }
  const headers = (specs: Record<string, HeaderSpec> | undefined): Json | undefined => specs === undefined || Object.keys(specs).length === 0
    ? undefined
    : Object.fromEntries(Object.entries(specs).map(([name, h]) => [name, { description: h.description, required: h.required ?? false, schema: schemaRef(h.schema) }]))
  const parameters = (where: 'path' | 'query' | 'header', specs: Record<string, ParamSpec | HeaderSpec> | undefined): Json[] =>
    Object.entries(specs ?? {}).map(([name, p]) => ({
      name, in: where, required: where === 'path' || ('required' in p && p.required === true), description: p.description, schema: schemaRef(p.schema)
    }))

  const success = (r: ContentSpec, withBody: boolean): Json => ({
    description: r.description,
    ...(headers(r.headers) !== undefined ? { headers: headers(r.headers) } : {}),
    ...(withBody && r.schema !== undefined ? { content: { [r.mediaType ?? 'application/json']: { schema: schemaRef(r.schema) } } } : {})
  })
  const problem = (p: ProblemSpec, withBody: boolean): Json => ({
    description: p.description,
    ...(headers(p.headers) !== undefined ? { headers: headers(p.headers) } : {}),
    ...(withBody ? { content: { 'application/problem+json': { schema: oneOrAny(p.schemas) } } } : {})
  })

  const operation = (name: string, route: HttpRoute, head: boolean): Json => {
    const responses: Json = {}
    for (const [status, r] of Object.entries(route.responses)) responses[status] = success(r, !head)
    for (const [status, p] of Object.entries(problemsOf(route))) responses[status] = problem(p, !head)
    const params = [...parameters('path', route.params), ...parameters('query', route.query), ...parameters('header', route.headers)]
    return {
      operationId: head ? `${name}Head` : name,
      tags: [route.tag],
      summary: head ? `${route.summary} (status and headers only)` : route.summary,
      ...(route.description !== undefined ? { description: route.description } : {}),
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(route.body !== undefined && !head
        ? { requestBody: { required: true, description: route.body.description, content: { 'application/json': { schema: schemaRef(route.body.schema) } } } }
        : {}),
      responses
    }
  }

  const paths: Record<string, Json> = {}
  for (const [name, route] of Object.entries(routes)) {
    const item = (paths[openApiPath(route.path)] ??= {})
    const method = route.method.toLowerCase()
    if (method in item) throw new Error(`${route.method} ${route.path} is in the route table twice`)
    item[method] = operation(name, route, false)
    // hono answers HEAD with the GET handler, without the body.
    if (route.method === 'GET') item.head = operation(name, route, true)
  }

  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: info.title ?? 'shardsig node HTTP API',
      version: info.version,
      description: [
        'The HTTP API every shardsig node serves (docs/protocols/http.md). Generated by the node from the zod schemas that validate its requests.',
        `Every error is RFC 9457 problem details (application/problem+json), type \`${PROBLEM_BASE}<name>\`.`,
        'Any other path answers 404 `not-found`; any other method on a listed path answers 405 `method-not-allowed` with an Allow header',
        '(components/responses/MethodNotAllowed). Paths are matched exactly; query strings are ignored unless listed.',
        `A refused sign request is \`sign-<code>\` with status ${Object.entries(SIGN_REJECTION_STATUS).map(([code, status]) => `${status} for ${code}`).join(', ')}, and 400 for any other code.`
      ].join(' ')
    },
    tags: [...new Set(Object.values(routes).map(r => r.tag))].map(name => ({ name })),
    paths,
    components: {
      schemas: components,
      responses: {
        NotFound: { description: 'No such path.', content: { 'application/problem+json': { schema: { $ref: uri('NotFoundProblem') } } } },
        MethodNotAllowed: problem(METHOD_NOT_ALLOWED, true)
      }
    }
  }
}

let cached: string | undefined

/** The document as served, versioned like the package: built once per process (the table is static). */
export function openApiJson (): string {
  cached ??= JSON.stringify(buildOpenApiDocument({ version: packageVersion() }))
  return cached
}
