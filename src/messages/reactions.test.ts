import { expect, it } from 'vitest'
import { describeStores, type Harness, type TestUser } from '../../test/harness.js'
import { verifyAction } from '../../test/verify-action.js'
import { createChannel, createGroup, eventsSince } from '../conversations/test-fixtures.js'
import { deleteReactionsOfMessage } from './reactions.sql.js'
import { MAX_DISTINCT_EMOJI } from './reactions.ops.js'

const send = (h: Harness, conversationId: string, by: TestUser, content = 'hello') => h.ok('send-message', { conversationId, content }, by.token)
const react = (h: Harness, id: string, emoji: string, by: { token: string }) => h.call('add-reaction', { id, emoji }, by.token)
const unreact = (h: Harness, id: string, emoji: string, by: { token: string }) => h.call('remove-reaction', { id, emoji }, by.token)

describeStores('reactions (PARLEY_REACTIONS=many)', (h) => {
  it('adds and removes reactions; counts and the caller’s own `me` on every view; events keep another member current', async () => {
    const [a, b, c] = await h().users(3)
    const g = await createGroup(h(), a, [b, c])
    const m = await send(h(), g.id, a)
    const mark = h().events.length
    const { result: first } = await verifyAction(h(), b, () => react(h(), m.id, '👍', a))
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ id: m.id, reactions: { '👍': { count: 1, me: true } } })
    await verifyAction(h(), a, () => react(h(), m.id, '👍', b))
    // A text-style emoji is stored in its emoji form; c, the viewer, reacts itself.
    const { result: heart } = await verifyAction(h(), c, () => react(h(), m.id, '❤', c))
    expect(heart.body.reactions).toEqual({ '👍': { count: 2, me: false }, '❤️': { count: 1, me: true } })
    await verifyAction(h(), c, () => react(h(), m.id, ':party_parrot:', b))
    const evs = eventsSince(h(), mark, g.id)
    expect(evs.types).toEqual(['reaction.added', 'reaction.added', 'reaction.added', 'reaction.added'])
    expect(evs.data[0]).toEqual({ messageId: m.id, emoji: '👍', userId: a.id })
    expect(evs.data[2]).toEqual({ messageId: m.id, emoji: '❤️', userId: c.id })
    expect(h().events.at(-1)!.actorId).toBe(b.id)

    // Every op answering messages carries the reactions, `me` relative to the caller.
    const forB = await h().ok('get-message', { id: m.id }, b.token)
    expect(forB.reactions).toEqual({ '👍': { count: 2, me: true }, '❤️': { count: 1, me: false }, ':party_parrot:': { count: 1, me: true } })
    expect(Object.keys(forB.reactions)).toEqual(['👍', '❤️', ':party_parrot:'])
    const listed = await h().ok('list-messages', { conversationId: g.id }, c.token)
    expect(listed.data.find((x: any) => x.id === m.id).reactions['❤️']).toEqual({ count: 1, me: true })
    const server = await h().ok('get-message', { id: m.id }, h().serverKey)
    expect(Object.values(server.reactions).every((r: any) => r.me === false)).toBe(true)
    // The conversation's lastMessage is a preview: no reactions there.
    expect((await h().ok('get-conversation', { id: g.id }, a.token)).lastMessage).toMatchObject({ id: m.id, reactions: {}, pinnedAt: null })

    const { result: removed } = await verifyAction(h(), a, () => unreact(h(), m.id, '👍', b))
    expect(removed.body.reactions['👍']).toEqual({ count: 1, me: false })
    await verifyAction(h(), b, () => unreact(h(), m.id, '❤️', c))
    const after = eventsSince(h(), mark, g.id)
    expect(after.types.slice(-2)).toEqual(['reaction.removed', 'reaction.removed'])
    expect(after.data.at(-1)).toEqual({ messageId: m.id, emoji: '❤️', userId: c.id })
    expect((await h().ok('get-message', { id: m.id }, c.token)).reactions).toEqual({ '👍': { count: 1, me: false }, ':party_parrot:': { count: 1, me: false } })
  })

  it('adding a reaction one has, or removing one one has not, changes nothing and emits nothing', async () => {
    const [a, b] = await h().users(2)
    const g = await createGroup(h(), a, [b])
    const m = await send(h(), g.id, a)
    expect((await react(h(), m.id, '🎉', b)).status).toBe(200)
    const mark = h().events.length
    const again = await verifyAction(h(), a, () => react(h(), m.id, '🎉', b))
    expect(again.result.status).toBe(200)
    expect(again.result.body.reactions).toEqual({ '🎉': { count: 1, me: true } })
    // Another spelling of the same emoji is the same reaction.
    expect((await react(h(), m.id, '☺', b)).status).toBe(200)
    expect((await react(h(), m.id, '☺️', b)).body.reactions['☺️']).toEqual({ count: 1, me: true })
    const mark2 = h().events.length
    expect((await unreact(h(), m.id, '👀', b)).status).toBe(200)
    expect((await unreact(h(), m.id, '🎉', a)).status).toBe(200)
    expect(eventsSince(h(), mark, g.id).types).toEqual(['reaction.added'])
    expect(h().events.length).toBe(mark2)
  })

  it('20 concurrent identical reactions from one user: one row, one event', async () => {
    const [a, b] = await h().users(2)
    const g = await createGroup(h(), a, [b])
    const m = await send(h(), g.id, a)
    const mark = h().events.length
    const { result } = await verifyAction(h(), a, () => Promise.all(Array.from({ length: 20 }, () => react(h(), m.id, '🔥', b))))
    expect(result.map((r) => r.status)).toEqual(Array(20).fill(200))
    expect(eventsSince(h(), mark, g.id).types).toEqual(['reaction.added'])
    const rows = await h().db.query<{ n: number }>('SELECT count(*)::int AS n FROM message_reactions WHERE message_id = $1', [m.id])
    expect(rows[0].n).toBe(1)
    expect((await h().ok('get-message', { id: m.id }, b.token)).reactions).toEqual({ '🔥': { count: 1, me: true } })
  })

  it('refuses what is not one emoji or a shortcode, and unknown fields', async () => {
    const a = await h().user()
    const g = await createGroup(h(), a, [])
    const m = await send(h(), g.id, a)
    const mark = h().events.length
    for (const emoji of ['', 'a', '1', '#', '👍👍', '👍 ', 'é', '🇫', '❤︎', ':Smile:', '::', `:${'a'.repeat(65)}:`, 'smile', 'x'.repeat(81)]) {
      const res = await react(h(), m.id, emoji, a)
      expect(res.status, JSON.stringify(emoji)).toBe(400)
      expect(res.body.code).toBe('validation_failed')
      expect((await unreact(h(), m.id, emoji, a)).status, JSON.stringify(emoji)).toBe(400)
    }
    expect((await h().call('add-reaction', { id: m.id, emoji: '👍', extra: 1 }, a.token)).status).toBe(400)
    expect((await h().call('add-reaction', { id: m.id }, a.token)).status).toBe(400)
    expect((await h().call('add-reaction', { id: 'nope', emoji: '👍' }, a.token)).status).toBe(400)
    for (const emoji of ['👩🏽‍💻', '🏳️‍🌈', '🇫🇷', '1️⃣', '🏴󠁧󠁢󠁥󠁮󠁧󠁿', ':+1:', `:${'a'.repeat(64)}:`, ':a-b_c+d:']) {
      expect((await react(h(), m.id, emoji, a)).status, emoji).toBe(200)
    }
    expect(eventsSince(h(), mark, g.id).types).toHaveLength(8)
  })

  it('who may react: members only (read-only channel members and agents too); others as the contract says', async () => {
    const [a, b, outsider, reader, owner] = await h().users(5)
    const g = await createGroup(h(), a, [b])
    const m = await send(h(), g.id, a)
    // Not a member of a private conversation, or a message that does not exist: the same 404.
    const hidden = await react(h(), m.id, '👍', outsider)
    expect(hidden.status).toBe(404)
    const missing = await react(h(), '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', '👍', a)
    expect(missing.body).toEqual(hidden.body)
    expect((await h().call('list-reactions', { id: m.id }, outsider.token)).status).toBe(404)
    // A removed member is an outsider.
    await h().ok('remove-conversation-member', { id: g.id, userIds: [b.id] }, a.token)
    expect((await react(h(), m.id, '👍', b)).status).toBe(404)
    // The server key has no identity to react with.
    expect((await react(h(), m.id, '👍', { token: h().serverKey })).status).toBe(403)

    // A public channel: a reader who is not a member may list, not react.
    const ch = await createChannel(h(), a, [reader], { visibility: 'public' })
    await h().ok('update-conversation-member', { id: ch.id, userId: reader.id, canPost: false }, a.token)
    const post = await send(h(), ch.id, a)
    expect((await react(h(), post.id, '👍', outsider)).status).toBe(403)
    // A member who may not post may still react.
    await verifyAction(h(), a, () => react(h(), post.id, '👍', reader))
    expect((await h().ok('list-reactions', { id: post.id }, outsider.token)).data).toHaveLength(1)

    // An agent member reacts; its owner, who only reads through it, may not.
    const agent = await h().agent(owner)
    await h().ok('add-conversation-member', { id: g.id, userIds: [agent.id] }, a.token)
    const res = await react(h(), m.id, '🤖', agent)
    expect(res.status).toBe(200)
    expect(h().events.at(-1)!.data).toEqual({ messageId: m.id, emoji: '🤖', userId: agent.id })
    expect((await react(h(), m.id, '👍', owner)).status).toBe(403)
    expect((await h().ok('list-reactions', { id: m.id }, owner.token)).data.map((r: any) => r.userId)).toEqual([agent.id])
  })

  it('a deleted message cannot be reacted to (409); removing from it is a no-op; an archived conversation is read-only', async () => {
    const [a, b] = await h().users(2)
    const g = await createGroup(h(), a, [b])
    const m = await send(h(), g.id, a)
    await react(h(), m.id, '👍', b)
    await h().db.query('UPDATE messages SET deleted_at = now() WHERE id = $1', [m.id])
    await deleteReactionsOfMessage(h().db, m.id)
    const mark = h().events.length
    const res = await react(h(), m.id, '👍', b)
    expect(res.status).toBe(409)
    expect(res.body.code).toBe('conflict')
    const gone = await unreact(h(), m.id, '👍', b)
    expect(gone.status).toBe(200)
    expect(gone.body).toMatchObject({ reactions: {}, deletedAt: expect.any(String), content: '' })
    expect((await h().ok('list-reactions', { id: m.id }, a.token)).data).toEqual([])

    const live = await send(h(), g.id, a)
    await react(h(), live.id, '👍', b)
    await h().ok('archive-conversation', { id: g.id }, a.token)
    const mark2 = h().events.length
    expect((await react(h(), live.id, '🎉', b)).status).toBe(409)
    expect((await unreact(h(), live.id, '👍', b)).status).toBe(409)
    expect(h().events.length).toBe(mark2)
    expect(eventsSince(h(), mark, g.id).types).toEqual(['message.created', 'reaction.added', 'conversation.updated'])
  })

  it('an edit keeps the reactions and the pin; a soft or hard delete takes them, and the pin, away', async () => {
    const [a, b] = await h().users(2)
    const g = await createGroup(h(), a, [b])
    const m = await send(h(), g.id, a)
    const other = await send(h(), g.id, a, 'other')
    for (const [id, by] of [[m.id, b], [m.id, a], [other.id, b]] as const) await react(h(), id, '👍', by)
    await h().ok('pin-message', { id: m.id }, a.token)
    await h().ok('pin-message', { id: other.id }, b.token)
    // b, who reacted, follows: the event's view says `me: false`, b's client keeps `me: true`.
    const { result: edited } = await verifyAction(h(), b, () => h().ok('edit-message', { id: m.id, content: 'edited' }, a.token))
    expect(edited).toMatchObject({ content: 'edited', reactions: { '👍': { count: 2, me: true } }, pinnedBy: a.id })
    const mark = h().events.length
    await verifyAction(h(), b, () => h().ok('delete-message', { id: m.id }, a.token))
    await verifyAction(h(), a, () => h().ok('delete-message', { id: other.id, mode: 'hard' }, a.token))
    // Only message.deleted: no reaction.removed or message.unpinned of their own.
    expect(eventsSince(h(), mark, g.id).types).toEqual(['message.deleted', 'message.deleted'])
    expect(await h().ok('get-message', { id: m.id }, b.token)).toMatchObject({ reactions: {}, pinnedAt: null, pinnedBy: null })
    expect((await h().ok('list-pinned-messages', { id: g.id }, b.token)).data).toEqual([])
    const rows = await h().db.query('SELECT 1 FROM message_reactions WHERE message_id = ANY($1::uuid[])', [[m.id, other.id]])
    expect(rows).toEqual([])
  })

  it(`a message carries at most ${MAX_DISTINCT_EMOJI} different emoji; more people may use those`, async () => {
    const [a, b] = await h().users(2)
    const g = await createGroup(h(), a, [b])
    const m = await send(h(), g.id, a)
    for (let i = 0; i < MAX_DISTINCT_EMOJI; i++) expect((await react(h(), m.id, `:e${i}:`, a)).status).toBe(200)
    const over = await react(h(), m.id, ':one_more:', b)
    expect(over.status).toBe(409)
    expect((await react(h(), m.id, ':e7:', b)).status).toBe(200)
    expect(Object.keys((await h().ok('get-message', { id: m.id }, a.token)).reactions)).toHaveLength(MAX_DISTINCT_EMOJI)
  })

  it('list-reactions: who reacted with what, oldest first, paged, narrowed to one emoji', async () => {
    const users = await h().users(5)
    const [a] = users
    const g = await createGroup(h(), a, users.slice(1))
    const m = await send(h(), g.id, a)
    const expected: { emoji: string; userId: string }[] = []
    for (const u of users) {
      for (const emoji of ['👍', ':tada:']) {
        await react(h(), m.id, emoji, u)
        expected.push({ emoji, userId: u.id })
      }
    }
    const seen: any[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const page = await h().ok('list-reactions', { id: m.id, limit: 3, ...(cursor ? { cursor } : {}) }, users[2].token)
      seen.push(...page.data)
      cursor = page.page.nextCursor
      expect(page.page.hasMore).toBe(cursor !== undefined)
      pages++
    } while (cursor)
    expect(pages).toBe(4)
    expect(seen.map(({ emoji, userId }) => ({ emoji, userId }))).toEqual(expected)
    expect(seen.every((r) => typeof r.createdAt === 'string' && !Number.isNaN(Date.parse(r.createdAt)))).toBe(true)
    const tada = await h().ok('list-reactions', { id: m.id, emoji: ':tada:' }, a.token)
    expect(tada.data.map((r: any) => r.userId)).toEqual(users.map((u) => u.id))
    expect(tada.page).toEqual({ hasMore: false })
    expect((await h().ok('list-reactions', { id: m.id }, h().serverKey)).data).toHaveLength(10)
    expect((await h().call('list-reactions', { id: m.id, cursor: 'bogus' }, a.token)).status).toBe(400)
    expect((await h().call('list-reactions', { id: m.id, emoji: 'x' }, a.token)).status).toBe(400)
    expect((await h().call('list-reactions', { id: m.id, limit: 0 }, a.token)).status).toBe(400)
  })
})

describeStores(
  'reactions (PARLEY_REACTIONS=one)',
  (h) => {
    it('a new reaction replaces the previous one: reaction.removed, then reaction.added', async () => {
      const [a, b] = await h().users(2)
      const g = await createGroup(h(), a, [b])
      const m = await send(h(), g.id, a)
      await verifyAction(h(), a, () => react(h(), m.id, '👍', b))
      await react(h(), m.id, '👍', a)
      const mark = h().events.length
      const { result } = await verifyAction(h(), a, () => react(h(), m.id, '❤️', b))
      expect(result.body.reactions).toEqual({ '👍': { count: 1, me: false }, '❤️': { count: 1, me: true } })
      expect(eventsSince(h(), mark, g.id).data).toEqual([
        { messageId: m.id, emoji: '👍', userId: b.id },
        { messageId: m.id, emoji: '❤️', userId: b.id },
      ])
      expect(eventsSince(h(), mark, g.id).types).toEqual(['reaction.removed', 'reaction.added'])
      // The same again is a no-op; the viewer's own replacement keeps `me` right.
      const mark2 = h().events.length
      expect((await react(h(), m.id, '❤', b)).status).toBe(200)
      expect(h().events.length).toBe(mark2)
      const own = await verifyAction(h(), a, () => react(h(), m.id, '❤️', a))
      expect(own.result.body.reactions).toEqual({ '❤️': { count: 2, me: true } })
      await verifyAction(h(), b, () => unreact(h(), m.id, '❤️', a))
    })

    it('20 concurrent different reactions from one user leave exactly one, and events that add up', async () => {
      const [a, b] = await h().users(2)
      const g = await createGroup(h(), a, [b])
      const m = await send(h(), g.id, a)
      const mark = h().events.length
      const emoji = Array.from({ length: 20 }, (_, i) => `:r${i}:`)
      await verifyAction(h(), a, () => Promise.all(emoji.map((e) => react(h(), m.id, e, b))))
      const rows = await h().db.query<{ emoji: string }>('SELECT emoji FROM message_reactions WHERE message_id = $1', [m.id])
      expect(rows).toHaveLength(1)
      const evs = eventsSince(h(), mark, g.id)
      expect(evs.types.filter((t) => t === 'reaction.added')).toHaveLength(20)
      expect(evs.types.filter((t) => t === 'reaction.removed')).toHaveLength(19)
      expect(evs.data.at(-1)).toEqual({ messageId: m.id, emoji: rows[0].emoji, userId: b.id })
    })
  },
  { reactions: 'one' },
)
