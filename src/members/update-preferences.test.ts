import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { verifyAction } from '../../test/verify-action.js'
import { createGroup, eventsSince } from '../conversations/test-fixtures.js'

describeStores('update-conversation-preferences', (h) => {
  it('sets the caller’s own preferences, keeps omitted ones, emits nothing', async () => {
    const [a, b] = await h().users(2)
    const g = await createGroup(h(), a, [b])
    const mark = h().events.length
    // Private to b: no event, and the other member's state does not change.
    const { result: res, allEvents } = await verifyAction(h(), a, () => h().call('update-conversation-preferences', { id: g.id, starred: true, muteUntil: '2099-01-02T03:04:05+02:00' }, b.token))
    expect(allEvents).toEqual([])
    expect(res.status).toBe(200)
    expect(res.body.membership.preferences).toEqual({ starred: true, muteUntil: '2099-01-02T01:04:05.000Z', notifyLevel: 'all' })
    const next = await h().ok('update-conversation-preferences', { id: g.id, notifyLevel: 'mentions' }, b.token)
    expect(next.membership.preferences).toEqual({ starred: true, muteUntil: '2099-01-02T01:04:05.000Z', notifyLevel: 'mentions' })
    const unmuted = await h().ok('update-conversation-preferences', { id: g.id, muteUntil: null, starred: false }, b.token)
    expect(unmuted.membership.preferences).toEqual({ starred: false, muteUntil: null, notifyLevel: 'mentions' })
    expect(eventsSince(h(), mark, g.id).types).toEqual([])
    // Private: the other member's preferences are untouched.
    expect((await h().ok('get-conversation', { id: g.id }, a.token)).membership.preferences).toEqual({ starred: false, muteUntil: null, notifyLevel: 'all' })
    expect((await h().ok('list-conversations', { starred: true }, a.token)).data).toEqual([])
  })

  it('accepts a mute time in the past (not muted) and agents have preferences too', async () => {
    const [a, owner] = await h().users(2)
    const agent = await h().agent(owner)
    const g = await createGroup(h(), a, [agent])
    const past = await h().ok('update-conversation-preferences', { id: g.id, muteUntil: '2001-01-01T00:00:00Z' }, a.token)
    expect(past.membership.preferences.muteUntil).toBe('2001-01-01T00:00:00.000Z')
    const mine = await h().ok('update-conversation-preferences', { id: g.id, notifyLevel: 'none' }, agent.token)
    expect(mine.membership.preferences.notifyLevel).toBe('none')
  })

  it('refuses bad input', async () => {
    const a = await h().user()
    const g = await createGroup(h(), a, [])
    for (const [body, path] of [
      [{ notifyLevel: 'loud' }, 'notifyLevel'],
      [{ muteUntil: 'tomorrow' }, 'muteUntil'],
      [{ muteUntil: '2030-01-01' }, 'muteUntil'],
      [{ muteUntil: 1700000000 }, 'muteUntil'],
      [{ muteUntil: '2030-12-31T23:59:60Z' }, 'muteUntil'],
      [{ starred: 'yes' }, 'starred'],
      [{ pinned: true }, 'pinned'],
    ] as const) {
      const res = await h().call('update-conversation-preferences', { id: g.id, ...body }, a.token)
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([400, 'validation_failed'])
      expect(res.body.errors.map((e: any) => e.path)).toContain(path)
    }
  })
})
