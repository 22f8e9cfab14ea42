// Reads a JSON request body at the edge: content type, syntax and schema
// (unknown fields rejected by strict schemas), each failure a 4xx problem.
import type { Context } from 'hono'
import type { z } from 'zod'
import { BadRequestProblem, UnsupportedMediaTypeProblem } from './problems.js'

const MAX_REPORTED_ISSUES = 10

export async function readJsonBody<T> (c: Context, schema: z.ZodType<T>): Promise<T> {
  const type = c.req.header('content-type')
  if (type === undefined || !/^application\/json\s*(;|$)/i.test(type)) throw new UnsupportedMediaTypeProblem(type)
  let json: unknown
  try {
    json = JSON.parse(await c.req.text())
  } catch (err) {
    throw new BadRequestProblem(`body is not valid JSON: ${(err as Error).message}`)
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) {
    const issues = flattenUnions(parsed.error.issues).slice(0, MAX_REPORTED_ISSUES).map(i => ({ path: i.path.join('.'), message: i.message }))
    throw new BadRequestProblem(`body does not match the schema: ${issues.map(i => `${i.path === '' ? '(root)' : i.path}: ${i.message}`).join('; ')}`, { issues })
  }
  return parsed.data
}

type Issue = z.core.$ZodIssue

/**
 * A body that matches no member of a union (POST /new_user takes a dealt or a DKG bundle)
 * is reported by the member it came closest to, so the client reads "record.scheme: …"
 * rather than "no union member matched".
 */
function flattenUnions (issues: readonly Issue[], prefix: readonly PropertyKey[] = []): Array<{ path: PropertyKey[], message: string }> {
  return issues.flatMap(issue => {
    const path = [...prefix, ...issue.path]
    if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [{ path, message: issue.message }]
    const closest = issue.errors.reduce((best, branch) => branch.length < best.length ? branch : best)
    return flattenUnions(closest, path)
  })
}
