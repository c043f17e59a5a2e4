import { Type } from '@sinclair/typebox'
import { describe, expect, it } from 'vitest'
import { defineOp, successOf, successStatuses } from './define-op.js'
import { buildOpenApi } from '../http/openapi.js'
import { allOps } from './registry.js'

/** Operations declare their success statuses; the transport maps the outcome a handler names. */
describe('declared success statuses', () => {
  const base = { path: '/v1/x', tag: 't', summary: 's', callers: ['user'] as const, input: Type.Object({}), output: Type.Object({ n: Type.Integer() }) }
  const plain = defineOp({ ...base, id: 'plain', async run() { return { n: 1 } } })
  const made = defineOp({
    ...base,
    id: 'made',
    status: { created: 201, existing: 200 },
    async run() {
      return { outcome: 'created' as const, data: { n: 1 } }
    },
  })

  it('one status, or one per outcome, in declaration order', () => {
    expect(successStatuses(plain)).toEqual([{ status: 200 }])
    expect(successStatuses({ status: 201 })).toEqual([{ status: 201 }])
    expect(successStatuses(made)).toEqual([{ status: 201, outcome: 'created' }, { status: 200, outcome: 'existing' }])
  })

  it('maps the outcome a handler names; an undeclared one is a bug', () => {
    expect(successOf(plain, { n: 1 })).toEqual({ data: { n: 1 }, status: 200 })
    expect(successOf(made, { outcome: 'existing', data: { n: 2 } })).toEqual({ data: { n: 2 }, status: 200 })
    expect(() => successOf(made, { outcome: 'gone', data: {} })).toThrow(/not declared/)
    expect(() => defineOp({ ...base, id: 'none', status: {}, async run() { return { outcome: 'x', data: { n: 1 } } as never } })).toThrow(/at least one outcome/)
  })

  it('the OpenAPI document lists both successes of create-conversation and send-message', () => {
    const doc = buildOpenApi(allOps, 'test') as { paths: Record<string, { post: { responses: Record<string, { description: string }> } }> }
    for (const id of ['create-conversation', 'send-message']) {
      const op = allOps.find((o) => o.id === id)!
      const responses = doc.paths[op.path].post.responses
      expect([id, responses['201']?.description, responses['200']?.description]).toEqual([id, 'success: created', 'success: existing'])
    }
  })
})
