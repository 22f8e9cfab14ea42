// GET /openapi.json: the OpenAPI 3.1 document of this API, generated from the
// route table (protocols/wire/http-api.ts). Query strings are ignored.
import type { Hono } from 'hono'
import { HTTP_API } from '../../../protocols/wire/http-api.js'
import { openApiJson } from '../openapi.js'
import { MethodNotAllowedProblem } from '../problems.js'

export function addOpenApiRoutes (app: Hono): void {
  const { path } = HTTP_API.openApi
  app.get(path, c => c.body(openApiJson(), 200, { 'content-type': 'application/json; charset=utf-8' }))
  app.all(path, c => { throw new MethodNotAllowedProblem(c.req.method, path, ['GET', 'HEAD']) })
}
