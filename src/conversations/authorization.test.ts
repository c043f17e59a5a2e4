import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { createChannel, createGroup, deactivatedUser, type Caller } from './test-fixtures.js'

/**
 * Who may call what, for every conversation and membership operation, on a private group:
 * 404 for whoever cannot see it (invariant 8), 403 for a reader lacking the right, 401 for a
 * deactivated user. Each cell runs on a fresh group, so one call cannot spoil the next.
 */
type Role = 'admin' | 'member' | 'agent' | 'outsider' | 'removed' | 'agentOwner' | 'server' | 'deactivated'
type Row = [number, number, number, number, number, number, number, number]
const ROLES: Role[] = ['admin', 'member', 'agent', 'outsider', 'removed', 'agentOwner', 'server', 'deactivated']

const ADMIN_ONLY: Row = [200, 403, 403, 404, 404, 403, 200, 401]
const MEMBERS_ONLY: Row = [200, 200, 200, 404, 404, 403, 403, 401]
const READERS: Row = [200, 200, 200, 404, 404, 200, 200, 401]

interface Cast {
  conv: { id: string }
  target: Caller
  newcomer: Caller
}

const TABLE: [string, (c: Cast) => Record<string, unknown>, Row][] = [
  ['get-conversation', (c) => ({ id: c.conv.id }), READERS],
  ['update-conversation', (c) => ({ id: c.conv.id, name: 'renamed' }), ADMIN_ONLY],
  ['archive-conversation', (c) => ({ id: c.conv.id }), ADMIN_ONLY],
  ['unarchive-conversation', (c) => ({ id: c.conv.id }), ADMIN_ONLY],
  ['convert-conversation', (c) => ({ id: c.conv.id }), ADMIN_ONLY],
  ['join-conversation', (c) => ({ id: c.conv.id }), MEMBERS_ONLY],
  ['leave-conversation', (c) => ({ id: c.conv.id }), MEMBERS_ONLY],
  ['add-conversation-member', (c) => ({ id: c.conv.id, userIds: [c.newcomer.id] }), ADMIN_ONLY],
  ['remove-conversation-member', (c) => ({ id: c.conv.id, userIds: [c.target.id] }), ADMIN_ONLY],
  ['update-conversation-member', (c) => ({ id: c.conv.id, userId: c.target.id, role: 'admin' }), ADMIN_ONLY],
  ['list-conversation-members', (c) => ({ id: c.conv.id }), READERS],
  ['mark-conversation-read', (c) => ({ id: c.conv.id, seq: 1 }), MEMBERS_ONLY],
  ['update-conversation-preferences', (c) => ({ id: c.conv.id, starred: true }), MEMBERS_ONLY],
]

describeStores('conversation authorization', (h) => {
  let cast: Record<Role, Caller>
  let target: Caller
  let newcomer: Caller

  async function setUp() {
    if (cast) return
    const [admin, member, outsider, removed, agentOwner] = await h().users(5)
    target = await h().user('Target')
    newcomer = await h().user('Newcomer')
    const agent = await h().agent(agentOwner)
    cast = { admin, member, agent, outsider, removed, agentOwner, server: { id: 'server', token: h().serverKey }, deactivated: await deactivatedUser(h()) }
  }

  /** A private group: admin; member, agent, target as members; `removed` added and then removed. */
  async function freshGroup() {
    const conv = await createGroup(h(), cast.admin, [cast.member, cast.agent, target, cast.removed])
    await h().ok('remove-conversation-member', { id: conv.id, userIds: [cast.removed.id] }, cast.admin.token)
    return conv
  }

  for (const [opId, input, expected] of TABLE) {
    it(`${opId}: ${ROLES.map((r, i) => `${r} ${expected[i]}`).join(', ')}`, async () => {
      await setUp()
      const got: Record<string, number> = {}
      for (const role of ROLES) {
        const conv = await freshGroup()
        const mark = h().events.length
        const res = await h().call(opId, input({ conv, target, newcomer }), cast[role].token)
        got[role] = res.status
        if (res.status >= 400) {
          expect(res.headers['content-type'], `${opId} as ${role}`).toContain('application/problem+json')
          expect(h().eventsSince(mark, conv.id), `${opId} as ${role} must change nothing`).toEqual([])
        }
      }
      expect(got).toEqual(Object.fromEntries(ROLES.map((r, i) => [r, expected[i]])))
    })
  }

  it('a public channel is readable and joinable by anyone, but only members act as members', async () => {
    await setUp()
    const channel = await createChannel(h(), cast.admin, [cast.member], { visibility: 'public' })
    const x = cast.outsider
    expect((await h().call('get-conversation', { id: channel.id }, x.token)).body).toMatchObject({ access: 'public', membership: null })
    expect((await h().call('list-conversation-members', { id: channel.id }, x.token)).status).toBe(200)
    for (const [opId, extra] of [
      ['leave-conversation', {}],
      ['mark-conversation-read', { seq: 1 }],
      ['update-conversation-preferences', { starred: true }],
      ['update-conversation', { name: 'mine now' }],
      ['add-conversation-member', { userIds: [newcomer.id] }],
    ] as const) {
      const res = await h().call(opId, { id: channel.id, ...extra }, x.token)
      expect(res.status, opId).toBe(403)
      expect(res.body.code).toBe('forbidden')
    }
    expect((await h().call('join-conversation', { id: channel.id }, x.token)).status).toBe(200)
    expect((await h().call('mark-conversation-read', { id: channel.id, seq: 1 }, x.token)).status).toBe(200)
  })

  it('a conversation that does not exist answers like one the caller cannot see', async () => {
    await setUp()
    const missing = '01900000-0000-7000-8000-000000000000'
    for (const [opId, input] of TABLE) {
      const res = await h().call(opId, input({ conv: { id: missing }, target, newcomer }), cast.member.token)
      expect([res.status, res.body.code], opId).toEqual([404, 'not_found'])
    }
    const hidden = await freshGroup()
    const a = await h().call('update-conversation', { id: missing, name: 'x' }, cast.outsider.token)
    const b = await h().call('update-conversation', { id: hidden.id, name: 'x' }, cast.outsider.token)
    expect([a.status, a.body.code, a.body.detail]).toEqual([b.status, b.body.code, b.body.detail])
    expect(b.status).toBe(404)
  })
})
