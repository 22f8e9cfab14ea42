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
    const issues = parsed.error.issues.slice(0, MAX_REPORTED_ISSUES).map(i => ({ path: i.path.join('.'), message: i.message }))
    throw new BadRequestProblem(`body does not match the schema: ${issues.map(i => `${i.path === '' ? '(root)' : i.path}: ${i.message}`).join('; ')}`, { issues })
  }
  return parsed.data
}
