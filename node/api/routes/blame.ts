// GET /blame (the node's recent blame records with their evidence) and
// POST /blame/verify (what a record's evidence shows to this node: any node
// redoes the blamer's check from signed messages and its own copy of the key;
// docs/protocols/sign.md#blame-evidence).
import type { Hono } from 'hono'
import type { EvidenceVerdict } from '../../../protocols/sign/blame-evidence.js'
import { HTTP_API } from '../../../protocols/wire/http-api.js'
import type { BlameRecord } from '../../../protocols/wire/http.js'
import { readJsonBody } from '../body.js'
import { MethodNotAllowedProblem } from '../problems.js'

export interface BlameDeps {
  blame: { recent: () => BlameRecord[] }
  checkBlame: (record: BlameRecord) => EvidenceVerdict
}

export function addBlameRoutes (app: Hono, deps: BlameDeps): void {
  app.get('/blame', c => c.json({ blame: deps.blame.recent() }))
  app.all('/blame', c => { throw new MethodNotAllowedProblem(c.req.method, '/blame', ['GET', 'HEAD']) })
  app.post('/blame/verify', async c => {
    const record = await readJsonBody(c, HTTP_API.blameVerify.body.schema)
    return c.json(deps.checkBlame(record))
  })
  app.all('/blame/verify', c => { throw new MethodNotAllowedProblem(c.req.method, '/blame/verify', ['POST']) })
}
