import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { createChannel, createGroup } from './test-fixtures.js'

const tick = () => new Promise((r) => setTimeout(r, 3))

describeStores('list-conversations', (h) => {
  it('pages 25 conversations most recent activity first; a new message moves one to the top', async () => {
    const [u, b] = await h().users(2)
    const created: string[] = []
    for (let i = 0; i < 25; i++) {
      created.push((await createGroup(h(), u, [b])).id)
      await tick() // distinct activity times, so the expected order is exact
    }
    const pageThrough = async (limit: number) => {
      const ids: string[] = []
      const flags: boolean[] = []
      let cursor: string | undefined
      do {
        const res = await h().ok('list-conversations', { limit, ...(cursor ? { cursor } : {}) }, u.token)
        ids.push(...res.data.map((c: any) => c.id))
        flags.push(res.page.hasMore)
        cursor = res.page.nextCursor
      } while (cursor)
      return { ids, flags }
    }
    const first = await pageThrough(10)
    expect(first.ids).toEqual([...created].reverse())
    expect(first.flags).toEqual([true, true, false])

    await h().ok('send-message', { conversationId: created[0], content: 'bump' }, b.token)
    const second = await pageThrough(7)
    expect(second.ids).toEqual([created[0], ...created.slice(1).reverse()])
    expect(second.flags).toEqual([true, true, true, false])
    const top = (await h().ok('list-conversations', { limit: 1 }, u.token)).data[0]
    expect(top).toMatchObject({ id: created[0], lastMessage: { content: 'bump', senderId: b.id }, membership: { unreadCount: 1 } })
  })

  it('counts unread messages from others only, and shows the last message', async () => {
    const [u, b] = await h().users(2)
    const g = await createGroup(h(), u, [b])
    const view = async (who: { token: string }) => (await h().ok('list-conversations', {}, who.token)).data.find((c: any) => c.id === g.id)
    expect((await view(u)).lastMessage).toBeNull()
    await h().ok('send-message', { conversationId: g.id, content: 'one' }, b.token)
    await h().ok('send-message', { conversationId: g.id, content: 'two' }, b.token)
    expect((await view(u)).membership.unreadCount).toBe(2)
    expect((await view(b)).membership.unreadCount).toBe(0)
    await h().ok('send-message', { conversationId: g.id, content: 'three' }, u.token)
    // Sending reads up to one's own message; own messages are never unread.
    expect((await view(u)).membership).toMatchObject({ unreadCount: 0, lastReadSeq: 4 })
    expect((await view(b)).membership.unreadCount).toBe(1)
    expect((await view(b)).lastMessage).toMatchObject({ content: 'three', senderId: u.id, seq: 4 })
    await h().ok('mark-conversation-read', { id: g.id, seq: 4 }, b.token)
    expect((await view(b)).membership.unreadCount).toBe(0)
  })

  it('filters by type, archived, starred, externalRef and agentId', async () => {
    const [u, b, owner] = await h().users(3)
    const agent = await h().agent(owner)
    const ref = h().uid('match')
    const group = await createGroup(h(), u, [b], { externalRef: ref })
    const channel = await createChannel(h(), u, [b])
    const dm = await h().ok('create-conversation', { type: 'dm', members: [b.id] }, u.token)
    const agentChat = await h().ok('create-conversation', { type: 'dm', agentId: agent.id }, u.token)
    const withAgent = await createGroup(h(), u, [agent])
    const archived = await createGroup(h(), u, [b])
    await h().ok('archive-conversation', { id: archived.id }, u.token)
    await h().ok('update-conversation-preferences', { id: channel.id, starred: true }, u.token)

    const ids = async (filters: Record<string, unknown>, token = u.token) =>
      (await h().ok('list-conversations', filters, token)).data.map((c: any) => c.id).sort()
    const sorted = (...cs: { id: string }[]) => cs.map((c) => c.id).sort()
    expect(await ids({})).toEqual(sorted(group, channel, dm, agentChat, withAgent, archived))
    expect(await ids({ type: 'group' })).toEqual(sorted(group, withAgent, archived))
    expect(await ids({ type: 'dm' })).toEqual(sorted(dm, agentChat))
    expect(await ids({ type: 'channel' })).toEqual(sorted(channel))
    expect(await ids({ archived: true })).toEqual(sorted(archived))
    expect(await ids({ archived: false })).toEqual(sorted(group, channel, dm, agentChat, withAgent))
    expect(await ids({ starred: true })).toEqual(sorted(channel))
    expect(await ids({ starred: false, type: 'channel' })).toEqual([])
    expect(await ids({ externalRef: ref })).toEqual(sorted(group))
    expect(await ids({ agentId: agent.id })).toEqual(sorted(agentChat, withAgent))
    expect(await ids({ agentId: agent.id, type: 'group' })).toEqual(sorted(withAgent))
    // The server key finds the conversation tied to an app object among everyone's.
    expect(await ids({ externalRef: ref }, h().serverKey)).toEqual(sorted(group))
    // The agent lists its own conversations.
    expect(await ids({}, agent.token)).toEqual(sorted(agentChat, withAgent))
  })

  it('refuses bad filters and cursors', async () => {
    const u = await h().user()
    for (const body of [{ type: 'room' }, { archived: 'yes' }, { limit: 0 }, { limit: 101 }, { cursor: 'not-a-cursor' }, { sort: 'name' }, { agentId: 'has space' }]) {
      const res = await h().call('list-conversations', body, u.token)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.code).toBe('validation_failed')
    }
  })
})
