import { expect, it } from 'vitest'
import { Ajv } from 'ajv'
import addFormatsImport from 'ajv-formats'
import { describeStores } from '../../test/harness.js'
import { durableEvents, ephemeralEvents } from '../events/catalogue/index.js'

const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv

/** Follows a local `$ref` (`#/a/b`) in `doc`. */
const resolve = (doc: any, ref: string) => ref.slice(2).split('/').reduce((node, key) => node?.[decodeURIComponent(key)], doc)

/** `value` with every `$ref` replaced by what it points to (the catalogue has no cycles). */
const inline = (doc: any, value: any): any => {
  if (Array.isArray(value)) return value.map((v) => inline(doc, v))
  if (!value || typeof value !== 'object') return value
  if (typeof value.$ref === 'string') return inline(doc, resolve(doc, value.$ref))
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inline(doc, v)]))
}

describeStores('AsyncAPI document', (h) => {
  it('is served at /docs/asyncapi.json, linked from the OpenAPI document, and names every catalogue event', async () => {
    const res = await h().http('GET', '/docs/asyncapi.json')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/application\/json/)
    const doc = res.body
    expect(doc.asyncapi).toBe('3.0.0')
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) })
    const ws = doc.channels.websocket
    const nats = doc.channels.domainEvents
    expect(ws.address).toBe('/v1/ws')
    expect(nats.address).toBe('messaging.{eventType}')
    expect(nats.description).toMatch(/PARLEY_EVENTS/)
    expect(Object.keys(ws.messages).sort()).toEqual([...durableEvents, ...ephemeralEvents].map((d) => d.type).sort())
    expect(Object.keys(nats.messages).sort()).toEqual(durableEvents.map((d) => d.type).sort())
    expect(nats.parameters.eventType.enum).toEqual(durableEvents.map((d) => d.type))

    // Every reference resolves; operations point at the channels' messages.
    const refs: string[] = []
    JSON.stringify(doc, (k, v) => (k === '$ref' && refs.push(v), v))
    for (const r of refs) expect(resolve(doc, r), r).toBeDefined()
    expect(doc.operations.receiveSocketEvents).toMatchObject({ action: 'receive', channel: { $ref: '#/channels/websocket' } })
    expect(doc.operations.consumeDomainEvents.messages).toHaveLength(durableEvents.length)

    // Each message's examples match its payload schema.
    const ajv = new Ajv({ strict: false })
    addFormats(ajv)
    for (const [channel, c] of [['websocket', ws], ['domainEvents', nats]] as const) {
      for (const [name, m] of Object.entries<any>(c.messages)) {
        const check = ajv.compile(inline(doc, m.payload))
        expect(m.examples.length, `${channel} ${name}`).toBeGreaterThan(0)
        for (const ex of m.examples) expect(check(ex.payload), `${channel} ${name}: ${ajv.errorsText(check.errors)}`).toBe(true)
      }
    }
    expect(ws.messages['typing'].payload.properties.seq).toBeUndefined()
    expect(ws.messages['presence'].payload.properties.conversationId).toBeUndefined()

    const openapi = (await h().http('GET', '/docs/json')).body
    expect(openapi.externalDocs).toEqual({ description: expect.any(String), url: '/docs/asyncapi.json' })
    expect(openapi.info.description).toContain('/docs/asyncapi.json')
  })
})
