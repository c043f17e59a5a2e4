import { randomInt } from 'node:crypto'
import { beforeAll, expect, it } from 'vitest'
import { describeStores, type TestUser } from '../../test/harness.js'
import { encodeCursor } from '../lib/cursor.js'
import { uuidv7 } from '../lib/ids.js'

/**
 * A made-up word no stemmer changes (consonants only) and no other test uses, so each test
 * finds exactly its own messages in the shared harness.
 */
const tag = () => 'q' + Array.from({ length: 9 }, () => 'bcdfghjklmnpqrtvwxz'[randomInt(19)]).join('')

describeStores('search-messages', (h) => {
  let alice: TestUser
  let bob: TestUser
  let carol: TestUser
  let group: { id: string }

  beforeAll(async () => {
    ;[alice, bob, carol] = await h().users(3)
    group = await h().ok('create-conversation', { type: 'group', name: 'search', members: [bob.id] }, alice.token)
  })

  const send = (who: TestUser | { token: string }, conversationId: string, content: string) =>
    h().ok('send-message', { conversationId, content }, who.token)
  const search = (token: string, body: Record<string, unknown>) => h().ok('search-messages', body, token)
  const ids = (res: { data: { message: { id: string } }[] }) => res.data.map((d) => d.message.id)

  it('words match by stem; the last word of 3+ characters also as a prefix; every word must match', async () => {
    const t = tag()
    const m = await send(alice, group.id, `${t}: we are running the deployment tonight`)
    for (const query of [`${t} run`, `${t} runs`, `${t} RUNNING`, `${t} deplo`, `${t} deployments`, `run ${t}`]) {
      expect(ids(await search(alice.token, { query })), query).toEqual([m.id])
    }
    // Only the last word is a prefix, and only from 3 characters on; a missing word excludes.
    // A prefix is what was typed, not its stem: "going" (stem go) does not find "good".
    const good = await send(alice, group.id, `${t} good goal`)
    expect(ids(await search(alice.token, { query: `${t} goo` }))).toEqual([good.id])
    for (const query of [`deplo ${t}`, `${t} de`, `${t} tonight walking`, `${t} going`]) {
      expect(ids(await search(alice.token, { query })), query).toEqual([])
    }
    const res = await search(bob.token, { query: `${t} run deplo` })
    expect(res.data[0].message).toMatchObject({ id: m.id, content: m.content, conversationId: group.id, seq: m.seq, reactions: {} })
    expect(res.data[0].highlights).toEqual([`«${t}»: we are «running» the «deployment» tonight`])
    expect(res.page).toEqual({ hasMore: false })
  })

  it('a message is findable as soon as its send is acknowledged', async () => {
    const t = tag()
    const sent = await Promise.all(Array.from({ length: 5 }, (_, i) => send(alice, group.id, `${t} fresh ${i}`)))
    expect(ids(await search(bob.token, { query: t })).sort()).toEqual(sent.map((m) => m.id).sort())
  })

  it('Chinese, Japanese and Thai match by substring, short ones too; words and substrings combine', async () => {
    const conv = await h().ok('create-conversation', { type: 'group', name: 'cjk', members: [bob.id] }, alice.token)
    const zh = await send(alice, conv.id, '我们明天开会讨论中文消息的格式')
    const ja = await send(alice, conv.id, 'これは日本語のテキストです。サーバーを確認してください')
    const th = await send(alice, conv.id, 'สวัสดีครับ ทุกคน')
    const mixed = await send(alice, conv.id, 'deploy 完成 中文')
    const inConv = (query: string) => search(bob.token, { query, conversationId: conv.id }).then(ids)
    expect((await inConv('中文')).sort()).toEqual([zh.id, mixed.id].sort())
    expect(await inConv('中文消息')).toEqual([zh.id])
    expect(await inConv('日本語')).toEqual([ja.id])
    expect(await inConv('テキスト')).toEqual([ja.id])
    expect(await inConv('サーバー')).toEqual([ja.id])
    expect(await inConv('語')).toEqual([ja.id])
    expect(await inConv('สวัส')).toEqual([th.id])
    expect(await inConv('deploy 中文')).toEqual([mixed.id])
    expect(await inConv('中文 日本語')).toEqual([])
    expect(await inConv('韓国')).toEqual([])
    const hit = (await search(bob.token, { query: '中文消息', conversationId: conv.id })).data[0]
    expect(hit.highlights).toEqual(['我们明天开会讨论«中文消息»的格式'])
    const both = (await search(bob.token, { query: 'deploy 中文', conversationId: conv.id })).data[0]
    expect(both.highlights).toEqual(['«deploy» 完成 «中文»'])
  })

  it('best match first, ties newest first', async () => {
    const t = tag()
    const long = await send(alice, group.id, `${t} mentioned once in a long message about many other things, entirely unrelated to anything`)
    const first = await send(alice, group.id, `${t} short`)
    const second = await send(alice, group.id, `${t} short`)
    expect(ids(await search(alice.token, { query: t }))).toEqual([second.id, first.id, long.id])
  })

  it('stop words alone match nothing; tsquery syntax and punctuation are plain text', async () => {
    for (const query of ['the and of', '!!!', "' & | ! ( ) :* <-> \\", 'a:*', "x') | ('y"]) {
      const res = await search(alice.token, { query })
      expect(res, query).toEqual({ data: [], page: { hasMore: false } })
    }
    const t = tag()
    const m = await send(alice, group.id, `it's ${t}'s turn (again) & again!`)
    expect(ids(await search(alice.token, { query: `${t}'s again!` }))).toEqual([m.id])
  })

  it('only what the caller may read now: not a member, removed, public channel, agent owner, server key', async () => {
    const t = tag()
    const dave = await h().user('Dave')
    const priv = await h().ok('create-conversation', { type: 'group', name: 'private', members: [bob.id] }, alice.token)
    const inPriv = await send(alice, priv.id, `${t} private plans`)
    const pub = await h().ok('create-conversation', { type: 'channel', name: 'public', visibility: 'public' }, alice.token)
    const inPub = await send(alice, pub.id, `${t} public news`)
    const agent = await h().agent(dave, 'Helper')
    const withAgent = await h().ok('create-conversation', { type: 'group', name: 'agents', members: [agent.id] }, alice.token)
    const inAgentConv = await send(alice, withAgent.id, `${t} agent work`)

    // Global: the caller's own conversations.
    expect(ids(await search(alice.token, { query: t })).sort()).toEqual([inPriv.id, inPub.id, inAgentConv.id].sort())
    expect(ids(await search(bob.token, { query: t }))).toEqual([inPriv.id])
    expect(ids(await search(carol.token, { query: t }))).toEqual([])
    expect(ids(await search(agent.token, { query: t }))).toEqual([inAgentConv.id])
    expect(ids(await search(dave.token, { query: t }))).toEqual([])
    // The server key searches every conversation.
    expect(ids(await search(h().serverKey, { query: t })).sort()).toEqual([inPriv.id, inPub.id, inAgentConv.id].sort())

    // One conversation: whoever may read it (a public channel, the owner of a member agent, the server key).
    expect(ids(await search(carol.token, { query: t, conversationId: pub.id }))).toEqual([inPub.id])
    expect(ids(await search(dave.token, { query: t, conversationId: withAgent.id }))).toEqual([inAgentConv.id])
    expect(ids(await search(h().serverKey, { query: t, conversationId: priv.id }))).toEqual([inPriv.id])
    // Anyone else: 404, exactly like a conversation that does not exist.
    const absent = await h().call('search-messages', { query: t, conversationId: uuidv7() }, carol.token)
    const hidden = await h().call('search-messages', { query: t, conversationId: priv.id }, carol.token)
    expect(absent.status).toBe(404)
    expect({ status: hidden.status, body: hidden.body }).toEqual({ status: absent.status, body: absent.body })

    // A removed member finds nothing of it any more, globally or by naming it.
    await h().ok('remove-conversation-member', { id: priv.id, userIds: [bob.id] }, alice.token)
    expect(ids(await search(bob.token, { query: t }))).toEqual([])
    expect((await h().call('search-messages', { query: t, conversationId: priv.id }, bob.token)).status).toBe(404)
  })

  it('deleted messages are never found, soft or hard', async () => {
    const t = tag()
    const soft = await send(alice, group.id, `${t} soft`)
    const hard = await send(alice, group.id, `${t} hard`)
    const kept = await send(alice, group.id, `${t} kept`)
    await h().ok('delete-message', { id: soft.id, mode: 'soft' }, alice.token)
    await h().ok('delete-message', { id: hard.id, mode: 'hard' }, alice.token)
    expect(ids(await search(bob.token, { query: t }))).toEqual([kept.id])
    expect(ids(await search(h().serverKey, { query: `${t} soft` }))).toEqual([])
  })

  it('an edit takes the old words out at once and the new ones in', async () => {
    const t = tag()
    const m = await send(alice, group.id, `${t} meeting on tuesday 会议`)
    await h().ok('edit-message', { id: m.id, content: `${t} meeting moved to friday` }, alice.token)
    expect(ids(await search(bob.token, { query: `${t} tuesday` }))).toEqual([])
    expect(ids(await search(bob.token, { query: `${t} 会议` }))).toEqual([])
    const res = await search(bob.token, { query: `${t} friday` })
    expect(ids(res)).toEqual([m.id])
    expect(res.data[0].message.content).toBe(`${t} meeting moved to friday`)
    expect(res.data[0].message.editedAt).not.toBeNull()
    expect(res.data[0].highlights).toEqual([`«${t}» meeting moved to «friday»`])
  })

  it('system messages are not searched', async () => {
    const t = tag()
    const conv = await h().ok('create-conversation', { type: 'group', name: 'before', members: [bob.id] }, alice.token)
    await h().ok('update-conversation', { id: conv.id, name: t }, alice.token)
    expect(ids(await search(alice.token, { query: t }))).toEqual([])
  })

  it('filters: conversation, sender, time range (since inclusive, until exclusive)', async () => {
    const t = tag()
    const other = await h().ok('create-conversation', { type: 'group', name: 'other', members: [bob.id] }, alice.token)
    // A few milliseconds apart, so that each has its own createdAt.
    const pause = () => new Promise((r) => setTimeout(r, 5))
    const a1 = await send(alice, group.id, `${t} one`)
    await pause()
    const b1 = await send(bob, group.id, `${t} two`)
    await pause()
    const a2 = await send(alice, other.id, `${t} three`)
    expect(ids(await search(bob.token, { query: t, conversationId: group.id })).sort()).toEqual([a1.id, b1.id].sort())
    expect(ids(await search(bob.token, { query: t, senderId: alice.id })).sort()).toEqual([a1.id, a2.id].sort())
    expect(ids(await search(bob.token, { query: t, senderId: alice.id, conversationId: other.id }))).toEqual([a2.id])
    expect(ids(await search(bob.token, { query: t, senderId: 'nobody' }))).toEqual([])
    expect(ids(await search(bob.token, { query: t, since: b1.createdAt })).sort()).toEqual([b1.id, a2.id].sort())
    expect(ids(await search(bob.token, { query: t, until: b1.createdAt }))).toEqual([a1.id])
    expect(ids(await search(bob.token, { query: t, since: a1.createdAt, until: a2.createdAt })).sort()).toEqual([a1.id, b1.id].sort())
  })

  it('pages with cursors: no duplicates or gaps, also while new matches are sent between and during pages', async () => {
    const t = tag()
    const conv = await h().ok('create-conversation', { type: 'group', name: 'paging', members: [bob.id] }, alice.token)
    const original: string[] = []
    for (let i = 0; i < 45; i += 15) {
      const batch = await Promise.all(Array.from({ length: 15 }, (_, j) => send(alice, conv.id, `${t} page ${i + j}${j % 3 === 0 ? ` ${t}` : ''}`)))
      original.push(...batch.map((m) => m.id))
    }
    const seen: string[] = []
    let cursor: string | undefined
    let pages = 0
    let extra = 0
    for (;;) {
      // New matching messages are sent before and while each page is read.
      const [res] = await Promise.all([
        search(bob.token, { query: t, conversationId: conv.id, limit: 10, ...(cursor ? { cursor } : {}) }),
        ...Array.from({ length: 3 }, () => send(alice, conv.id, `${t} late ${extra++}`)),
      ])
      pages++
      seen.push(...ids(res))
      if (!res.page.hasMore) {
        expect(res.page.nextCursor).toBeUndefined()
        break
      }
      cursor = res.page.nextCursor
      await send(bob, conv.id, `${t} between`)
    }
    expect(new Set(seen).size).toBe(seen.length)
    expect(original.every((id) => seen.includes(id))).toBe(true)
    expect(pages).toBeGreaterThanOrEqual(5)
  })

  it('validation: empty, blank, too long, too many words, bad cursor, bad range, unknown fields', async () => {
    const bad = async (body: Record<string, unknown>, path?: string) => {
      const res = await h().call('search-messages', body, alice.token)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.code).toBe('validation_failed')
      if (path) expect(res.body.errors?.[0]?.path).toBe(path)
    }
    await bad({ query: '' })
    await bad({ query: '   \t' }, 'query')
    await bad({ query: 'x'.repeat(257) })
    await bad({ query: Array.from({ length: 17 }, (_, i) => `w${i}`).join(' ') }, 'query')
    await bad({ query: 'x', limit: 101 })
    await bad({ query: 'x', limit: 0 })
    await bad({ query: 'x', cursor: 'not a cursor!' }, 'cursor')
    await bad({ query: 'x', cursor: encodeCursor(['high', '2024-01-01T00:00:00.000000Z', uuidv7()]) }, 'cursor')
    await bad({ query: 'x', cursor: encodeCursor([0.5, '2024-01-01T00:00:00.000000Z']) }, 'cursor')
    await bad({ query: 'x', since: '2024-02-01T00:00:00.000Z', until: '2024-01-01T00:00:00.000Z' }, 'until')
    await bad({ query: 'x', since: 'yesterday' })
    await bad({ query: 'x', until: '2016-12-31T23:59:60Z' }, 'until')
    await bad({ query: 'x', senderId: 'not valid!' })
    await bad({ query: 'x', conversationId: 'nope' })
    await bad({ query: 'x', sort: 'newest' })
    await bad({ query: 42 })
    // The longest query is accepted.
    expect((await h().call('search-messages', { query: 'x'.repeat(256) }, alice.token)).status).toBe(200)
  })
})
