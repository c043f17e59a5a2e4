import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { createGroup } from '../conversations/test-fixtures.js'
import { listMembershipPositions } from '../sync/sync.sql.js'
import { countUnread } from './reads.sql.js'

/** Every query that counts unread messages uses one rule (unread.sql.ts); they must agree. */
describeStores('unread counts', (h) => {
  it('conversation views, sync positions and mark-read count the same unread messages and mentions', async () => {
    const [a, b] = await h().users(2)
    const g = await createGroup(h(), a, [b])
    await h().ok('send-message', { conversationId: g.id, content: 'mine' }, a.token)
    for (const mentions of [[], [a.id], [b.id], [a.id, b.id]]) await h().ok('send-message', { conversationId: g.id, content: 'x', mentions }, b.token)
    const view = (await h().ok('get-conversation', { id: g.id }, a.token)).membership
    const [pos] = (await listMembershipPositions(h().db, a.id)).filter((p) => p.conversation_id === g.id)
    expect([view.unreadCount, view.mentionCount]).toEqual([4, 2])
    expect([pos.unread_count, pos.mention_count]).toEqual([4, 2])
    expect(await countUnread(h().db, g.id, a.id, view.lastReadSeq)).toBe(4)
    // Own messages are never unread: b's cursor moved with its sends.
    expect((await h().ok('get-conversation', { id: g.id }, b.token)).membership).toMatchObject({ unreadCount: 0, mentionCount: 0 })
  })
})
