/**
 * The SDK against a real Parley listening on loopback: typed calls over real HTTP, path
 * parameters, errors as ParleyError, token refresh.
 */
import { expect, it } from 'vitest'
import { describeStores } from '../../../test/harness.js'
import { ParleyClient, ParleyError } from './index.js'

describeStores('SDK over HTTP', (h) => {
  const clientFor = async (token: string) => new ParleyClient({ baseUrl: await h().listen(), token })

  it('provisions with the server key, then calls typed operations with path parameters', async () => {
    const admin = await clientFor(h().serverKey)
    const aliceId = h().uid('alice')
    const bobId = h().uid('bob')
    const alice = await admin.ops.upsertUser({ id: aliceId, name: 'Alice' })
    expect(alice).toMatchObject({ id: aliceId, kind: 'user', name: 'Alice' })
    await admin.call('upsert-user', { id: bobId, name: 'Bob' })
    const { token } = await admin.ops.createToken({ userId: aliceId })

    const client = await clientFor(token)
    const conv = await client.ops.createConversation({ type: 'group', name: 'sdk', members: [bobId] })
    const sent = await client.call('send-message', { conversationId: conv.id, content: 'hello', clientMsgId: 'k1' })
    expect(sent).toMatchObject({ conversationId: conv.id, senderId: aliceId, content: 'hello', seq: expect.any(Number) })
    // Path parameter {id} filled from the input.
    const got = await client.ops.getMessage({ id: sent.id })
    expect(got.content).toBe('hello')
    const page = await client.ops.listMessages({ conversationId: conv.id })
    expect(page.data.map((m) => m.content)).toEqual(['hello'])
    // All-optional inputs may be omitted.
    const mine = await client.ops.listConversations()
    expect(mine.data.map((c) => c.id)).toContain(conv.id)
  })

  it('errors are ParleyError with code, status, detail, field errors and retryable', async () => {
    const u = await h().user()
    const client = await clientFor(u.token)
    const missing = await client.ops.getMessage({ id: '01900000-0000-7000-8000-000000000000' }).catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(ParleyError)
    expect(missing).toMatchObject({ code: 'not_found', status: 404, retryable: false })

    const invalid = await client
      .call('send-message', { conversationId: 'not-a-uuid', content: 'x' } as never)
      .catch((e: ParleyError) => e)
    expect(invalid).toMatchObject({ code: 'validation_failed', status: 400 })
    expect((invalid as ParleyError).errors?.length).toBeGreaterThan(0)

    const anon = await clientFor('not-a-token')
    await expect(anon.ops.listConversations()).rejects.toMatchObject({ code: 'unauthorized', status: 401, retryable: false })

    const down = new ParleyClient({ baseUrl: 'http://127.0.0.1:1', token: 'x' })
    await expect(down.ops.listConversations()).rejects.toMatchObject({ code: 'network_error', status: 0, retryable: true })
  })

  it('on 401 calls getToken once and retries with the fresh token', async () => {
    const u = await h().user()
    const tokens = ['expired-or-bad', u.token]
    const client = new ParleyClient({ baseUrl: await h().listen(), getToken: () => tokens.shift()! })
    await expect(client.ops.getUser({ id: u.id })).resolves.toMatchObject({ id: u.id })
    expect(tokens).toEqual([])
  })
})
