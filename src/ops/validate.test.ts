import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'

/**
 * Values JSON can carry but the store cannot, refused by validation with the field named, the
 * same on both stores, instead of being stored altered or refused by the store without a field.
 */
describeStores('input the store cannot hold', (h) => {
  it('lone UTF-16 surrogates are refused in every string, naming the field, never stored as U+FFFD', async () => {
    const u = await h().user()
    const other = await h().user()
    const group = await h().ok('create-conversation', { type: 'group', name: 'g', members: [other.id] }, u.token)
    for (const [op, data, token, path] of [
      ['create-conversation', { type: 'group', name: 'a\ud800b', members: [other.id] }, u.token, 'name'],
      ['upsert-user', { id: h().uid(), name: '\udc00' }, h().serverKey, 'name'],
      ['update-conversation', { id: group.id, name: 'x\udbff' }, u.token, 'name'],
      ['send-message', { conversationId: group.id, content: 'hi \ud83d' }, u.token, 'content'],
      ['update-conversation', { id: group.id, metadata: { k: '\ud800' } }, u.token, 'metadata.k'],
      ['list-users', { query: '\ud800' }, u.token, 'query'],
    ] as const) {
      const res = await h().call(op, data, token)
      expect([op, res.status, res.body.code, res.body.errors?.[0]?.path]).toEqual([op, 400, 'validation_failed', path])
    }
    // A well-formed pair is fine.
    expect((await h().call('send-message', { conversationId: group.id, content: 'hi \ud83d\ude00' }, u.token)).status).toBe(201)
    expect((await h().ok('get-conversation', { id: group.id }, u.token)).name).toBe('g')
  })

  it('positions beyond what a number carries exactly are refused on the field', async () => {
    const u = await h().user()
    const other = await h().user()
    const dm = await h().ok('create-conversation', { type: 'dm', members: [other.id] }, u.token)
    for (const [op, data, path] of [
      ['list-messages', { conversationId: dm.id, before: 1e21 }, 'before'],
      ['list-messages', { conversationId: dm.id, after: 2 ** 53 }, 'after'],
      ['mark-conversation-read', { id: dm.id, seq: 1e300 }, 'seq'],
      ['mark-conversation-delivered', { id: dm.id, seq: 2 ** 63 }, 'seq'],
    ] as const) {
      const res = await h().call(op, data, u.token)
      expect([op, res.status, res.body.code, res.body.errors?.[0]?.path]).toEqual([op, 400, 'validation_failed', path])
    }
  })

  it('sync refuses keys of since that are not conversation ids, naming them', async () => {
    const u = await h().user()
    for (const since of [{ k0: 1 }, { a: [1] }, { [crypto.randomUUID()]: 1, nope: 2 }]) {
      const res = await h().call('sync', { since }, u.token)
      expect(res.status, JSON.stringify(since)).toBe(400)
      expect(res.body.code).toBe('validation_failed')
      expect(res.body.errors?.[0]?.path).toMatch(/^since\./)
    }
  })
})
