import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'

/** More than one sync answer holds (2,000 events), fewer than the reset threshold below. */
const EVENTS = 2_600

describeStores('sync paging past the per-call budget', (h) => {
  it('pages a conversation too long for one answer, in order, each event once, until hasMore is false', async () => {
    const [a, b] = await h().users(2)
    const conv = await h().ok('create-conversation', { type: 'group', name: 'busy', members: [b.id] }, a.token)
    const small = await h().ok('create-conversation', { type: 'group', name: 'quiet', members: [b.id] }, a.token)
    await h().ok('send-message', { conversationId: small.id, content: 'hello' }, a.token)
    // Sends in parallel waves: the group commit packs each wave into a few transactions.
    for (let sent = 0; sent < EVENTS; sent += 400) {
      const n = Math.min(400, EVENTS - sent)
      await Promise.all(Array.from({ length: n }, (_, i) => h().ok('send-message', { conversationId: conv.id, content: `m${sent + i}` }, a.token)))
    }
    const last = (await h().ok('get-conversation', { id: conv.id }, b.token)).lastSeq
    expect(last).toBeGreaterThan(EVENTS)

    const since: Record<string, number> = { [conv.id]: 0, [small.id]: 0 }
    const seqs = new Map<string, number[]>([[conv.id, []], [small.id, []]])
    let calls = 0
    for (;;) {
      const res = await h().ok('sync', { since }, b.token)
      calls++
      for (const d of res.data) {
        expect(d.reset).toBeUndefined()
        if (d.conversationId === conv.id) expect(d.lastSeq).toBe(last) // the conversation's last seq, even on a partial page
        for (const e of d.events) seqs.get(d.conversationId)!.push(e.seq)
        if (d.events.length) since[d.conversationId] = d.events.at(-1).seq
      }
      if (!res.hasMore) break
      expect(res.data.some((d: any) => d.events.length > 0), 'each call with hasMore makes progress').toBe(true)
      expect(calls).toBeLessThan(10)
    }
    expect(calls).toBe(2)
    expect(seqs.get(conv.id)).toEqual(Array.from({ length: last }, (_, i) => i + 1))
    expect(seqs.get(small.id)).toEqual([1, 2])
  }, 60_000)
}, { syncMaxEventsPerConversation: 5000 })
