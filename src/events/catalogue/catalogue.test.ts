import { describe, expect, it } from 'vitest'
import { describeStores } from '../../../test/harness.js'
import { listEventsAfter } from '../event-log.sql.js'
import { allEvents, durableEvents, ephemeralEvents, membershipEffect, type NewEvent } from './index.js'
import { validateEvent } from './validate.js'
import { exampleMember, exampleMessage } from './examples.js'

describe('event catalogue', () => {
  it('defines every event once, each documented, with examples that match its schema', () => {
    const names = allEvents.map((d) => d.type)
    expect(new Set(names).size).toBe(names.length)
    expect(durableEvents.map((d) => d.type).sort()).toEqual([
      'conversation.created', 'conversation.updated', 'member.added', 'member.removed', 'member.updated',
      'message.created', 'message.deleted', 'message.pinned', 'message.unpinned', 'message.updated',
      'reaction.added', 'reaction.removed', 'read.updated', 'thread.read.updated',
    ])
    expect(ephemeralEvents.map((d) => d.type).sort()).toEqual(['delivery', 'presence', 'typing'])
    for (const d of allEvents) {
      expect(d.summary.length, d.type).toBeGreaterThan(10)
      expect(d.description.length, d.type).toBeGreaterThan(10)
      expect(d.examples.length, d.type).toBeGreaterThan(0)
      for (const ex of d.examples) expect(validateEvent(d.type, ex), `${d.type} example ${JSON.stringify(ex)}`).toEqual([])
    }
  })

  it('refuses payloads that are not the catalogue’s: missing, extra or mistyped fields, unknown names', () => {
    expect(validateEvent('read.updated', { userId: 'a' })[0]).toMatch(/lastReadSeq/)
    expect(validateEvent('read.updated', { userId: 'a', lastReadSeq: 1, extra: 1 })[0]).toMatch(/extra/)
    expect(validateEvent('member.removed', { memberId: 'a', by: null, reason: 'kicked' })).not.toEqual([])
    expect(validateEvent('message.created', { ...exampleMessage, seq: '42' })).not.toEqual([])
    expect(validateEvent('typing', { userId: 'a', stopped: false })).not.toEqual([])
    expect(validateEvent('typing', { userId: 'a', stopped: true })).toEqual([])
    expect(validateEvent('message.exploded', {})[0]).toMatch(/unknown event type/)
  })

  it('types appends by name: a payload of another event does not compile', () => {
    const ok: NewEvent = { type: 'read.updated', actorId: 'a', data: { userId: 'a', lastReadSeq: 3 } }
    // @ts-expect-error member.removed has no lastReadSeq and needs memberId, by, reason
    const wrong: NewEvent = { type: 'member.removed', actorId: 'a', data: { userId: 'a', lastReadSeq: 3 } }
    expect([ok.type, wrong.type]).toEqual(['read.updated', 'member.removed'])
  })

  it('declares the membership effect of each event', () => {
    const members = [{ id: 'ada', role: 'admin', canPost: true }, { id: 'bob', role: 'member', canPost: true }]
    expect(membershipEffect({ type: 'conversation.created', data: { members } })).toEqual({ added: ['ada', 'bob'], removed: [] })
    expect(membershipEffect({ type: 'member.added', data: { member: exampleMember, by: 'ada' } })).toEqual({ added: ['bob'], removed: [] })
    expect(membershipEffect({ type: 'member.removed', data: { memberId: 'bob', by: 'bob', reason: 'left' } })).toEqual({ added: [], removed: ['bob'] })
    for (const type of ['member.updated', 'message.created', 'read.updated', 'typing', 'no.such']) {
      expect(membershipEffect({ type, data: {} }), type).toEqual({ added: [], removed: [] })
    }
  })
})

describeStores('every event an operation emits matches the catalogue', (h) => {
  it('live (the sink) and as stored in the log, the send batch’s SQL-built message.created included', async () => {
    const [a, b, c] = await h().users(3)
    const mark = h().events.length
    const conv = await h().ok('create-conversation', { type: 'group', name: 'cat', members: [b.id] }, a.token)
    await h().ok('add-conversation-member', { id: conv.id, userIds: [c.id] }, a.token)
    await h().ok('update-conversation-member', { id: conv.id, userId: c.id, role: 'admin' }, a.token)
    await h().ok('update-conversation', { id: conv.id, name: 'cat 2', settings: { locked: true } }, a.token)
    const m = await h().ok('send-message', { conversationId: conv.id, content: 'hi', clientMsgId: 'c-1' }, a.token)
    await h().ok('send-message', { conversationId: conv.id, content: 're', replyToId: m.id }, c.token)
    await h().ok('mark-conversation-read', { id: conv.id, seq: m.seq }, b.token)
    await h().ok('remove-conversation-member', { id: conv.id, userIds: [b.id] }, a.token)
    await h().ok('leave-conversation', { id: conv.id }, a.token)
    await h().ok('convert-conversation', { id: conv.id }, c.token)
    await h().ok('archive-conversation', { id: conv.id }, c.token)
    await h().ok('unarchive-conversation', { id: conv.id }, c.token)
    const dm = await h().ok('create-conversation', { type: 'dm', members: [b.id] }, a.token)
    await h().ok('send-message', { conversationId: dm.id, content: 'dm' }, b.token)

    const live = h().eventsSince(mark)
    const logged = [...(await listEventsAfter(h().db, conv.id, 0)), ...(await listEventsAfter(h().db, dm.id, 0))]
    expect(new Set(logged.map((e) => e.type))).toEqual(
      // message.updated: the reply's root (its thread summary).
      new Set(['conversation.created', 'member.added', 'member.updated', 'conversation.updated', 'message.created', 'message.updated', 'read.updated', 'member.removed']),
    )
    expect(logged.length).toBe(live.length)
    for (const e of [...live, ...logged]) expect(validateEvent(e.type, e.data), `${e.type} ${JSON.stringify(e.data)}`).toEqual([])
    // What the sink announced is exactly what the log holds (same JSON for live and replayed clients).
    const key = (e: { conversationId: string; seq: number }) => `${e.conversationId}:${e.seq}`
    const byKey = new Map(logged.map((e) => [key(e), e]))
    for (const e of live) expect(JSON.parse(JSON.stringify(e.data)), key(e)).toEqual(byKey.get(key(e))!.data)
    expect(h().catalogueViolations).toEqual([])
  })

  it('the harness records a committed event that does not match (and the suite would fail on it)', async () => {
    const bad = { type: 'read.updated' as const, actorId: 'x', data: { userId: 'x' }, conversationId: 'c', seq: 7, createdAt: new Date().toISOString() }
    h().parley.services.events.committed([bad])
    expect(h().catalogueViolations).toHaveLength(1)
    expect(h().catalogueViolations[0]).toMatch(/^read\.updated \(seq 7\): .*lastReadSeq/)
    h().catalogueViolations.length = 0 // recorded on purpose: keep afterAll from failing the suite
  })
})
