/** The generated files match the op registry and the wire protocol: fails when stale. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { generatedFiles, schemaToTs } from '../../../scripts/gen-client.js'
import { allOps } from '../../../src/ops/registry.js'
import { opRoutes } from './ops.gen.js'
import { durableEventNames, type AnyEventFrame, type DurableEventData } from './events.gen.js'
import { durableEvents } from '../../../src/events/catalogue/index.js'

describe('generated SDK files', () => {
  for (const [path, expected] of Object.entries(generatedFiles())) {
    it(`${path.split('/').pop()} is up to date (else run npm run gen:client)`, () => {
      expect(readFileSync(path, 'utf8') === expected, `${path} is stale: run npm run gen:client`).toBe(true)
    })
  }

  it('has a route for every operation of the registry, with its path parameters', () => {
    expect(Object.keys(opRoutes).sort()).toEqual(allOps.map((o) => o.id).sort())
    expect(opRoutes['get-message']).toEqual({ path: '/v1/messages/{id}/get', params: ['id'] })
  })

  it('has the event types of every catalogue event, frames discriminated on `event`', () => {
    expect([...durableEventNames]).toEqual(durableEvents.map((d) => d.type))
    // Type-level: narrowing a frame on `event` gives that event's payload.
    const frame = { type: 'event', event: 'member.removed', conversationId: 'c', seq: 2, actorId: null, createdAt: 't', data: { memberId: 'b', by: null, reason: 'left' } } as AnyEventFrame
    const removed: DurableEventData['member.removed'] | undefined = frame.event === 'member.removed' ? frame.data : undefined
    expect(removed?.reason).toBe('left')
  })
})

describe('schemaToTs', () => {
  it('emits the subset Parley uses', () => {
    expect(schemaToTs({ anyOf: [{ const: 'a', type: 'string' }, { type: 'null' }] })).toBe('"a" | null')
    expect(schemaToTs({ type: 'object', patternProperties: { '^(.*)$': { type: 'integer' } } })).toBe('Record<string, number>')
    expect(schemaToTs({ type: 'array', items: { type: 'string' } })).toBe('Array<string>')
    expect(schemaToTs({})).toBe('unknown')
    expect(
      schemaToTs({ type: 'object', properties: { 'a-b': { type: 'boolean', description: 'x */ y' }, c: { type: 'number' } }, required: ['c'], additionalProperties: true }),
    ).toBe('{\n  /** x *\\/ y */\n  "a-b"?: boolean\n  c: number\n  [key: string]: unknown\n}')
  })

  it('refuses keywords it does not understand rather than emit a wrong type', () => {
    expect(() => schemaToTs({ oneOf: [] })).toThrow(/unsupported schema keyword "oneOf"/)
  })
})
