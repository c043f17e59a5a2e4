import { Type, type TSchema } from '@sinclair/typebox'
import type { AnyOp } from '../ops/define-op.js'
import { pathParams, successStatuses } from '../ops/define-op.js'

const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  code: Type.String({ description: 'stable, machine-readable error code' }),
  detail: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
})

/** Strips TypeBox's symbol keys and $id so the schema is plain JSON Schema for OpenAPI. */
const plain = (s: TSchema): unknown => JSON.parse(JSON.stringify(s))

function bodySchema(op: AnyOp): unknown {
  const params = new Set(pathParams(op.path))
  const s = plain(op.input) as { properties: Record<string, unknown>; required?: string[] }
  for (const p of params) delete s.properties[p]
  if (s.required) s.required = s.required.filter((r) => !params.has(r))
  return s
}

/** The OpenAPI 3.1 document, generated from the same op definitions the routes use. */
export function buildOpenApi(ops: readonly AnyOp[], version: string) {
  const paths: Record<string, unknown> = {}
  for (const op of ops) {
    const errorResponse = { description: 'problem', content: { 'application/problem+json': { schema: plain(Problem) } } }
    paths[op.path] = {
      post: {
        operationId: op.id,
        tags: [op.tag],
        summary: op.summary,
        description: `${op.description ?? ''}\n\nCallers: ${op.callers.join(', ')}.`.trim(),
        security: [{ bearer: [] }],
        parameters: pathParams(op.path).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
        requestBody: { required: false, content: { 'application/json': { schema: bodySchema(op) } } },
        responses: {
          ...Object.fromEntries(
            successStatuses(op).map(({ status, outcome }) => [
              String(status),
              { description: outcome ? `success: ${outcome}` : 'success', content: { 'application/json': { schema: plain(op.output) } } },
            ]),
          ),
          '400': errorResponse,
          '401': errorResponse,
          '403': errorResponse,
          '404': errorResponse,
          '409': errorResponse,
        },
      },
    }
  }
  paths['/v1/health'] = {
    get: { operationId: 'health', tags: ['service'], summary: 'Liveness and storage status', responses: { '200': { description: 'healthy' }, '503': { description: 'storage unreachable' } } },
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Parley API',
      version,
      description:
        'Self-hosted messaging. Every operation is POST with a JSON body; errors are application/problem+json. ' +
        'The events (WebSocket `/v1/ws` frames and NATS domain events) are described in AsyncAPI 3.0 at [/docs/asyncapi.json](/docs/asyncapi.json).',
    },
    externalDocs: { description: 'Events: AsyncAPI 3.0 document', url: '/docs/asyncapi.json' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'server key, user JWT or agent key' } } },
    security: [{ bearer: [] }],
    paths,
  }
}
