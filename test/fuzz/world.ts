/**
 * The small world the fixtures draw their sample inputs from, created through the operations
 * themselves (never by writing rows), so it is a world the service could really be in.
 */
import type { Harness, TestAgent, TestUser } from '../harness.js'

export interface World {
  h: Harness
  serverKey: string
  /** Creator and admin of every conversation below: "the member" whose inputs the samples are. */
  admin: TestUser
  /** A plain member of the group and of both channels (a subscriber there), and the dm's other side. */
  member: TestUser
  /** Owns `agent`; a member of nothing, so sees the agent's conversations as agent owner only. */
  owner: TestUser
  /** An agent owned by `owner`, a plain member of the group and the private channel. */
  agent: TestAgent
  /** In no conversation, owns no agent. */
  stranger: TestUser
  /** Was a member of the group and the private channel, and was removed from both. */
  removed: TestUser
  /** An agent of another owner (`stranger`), a member of nothing. */
  otherAgent: TestAgent
  /** Deactivated after its token was minted: the token is well signed but must not work. */
  deactivated: TestUser
  /** Never a member of anything: the one add-member samples add. */
  newcomer: TestUser
  dm: { id: string }
  group: { id: string }
  publicChannel: { id: string }
  privateChannel: { id: string }
  /** Sent by `member` in the group. */
  message: { id: string; seq: number }
}

export async function buildWorld(h: Harness): Promise<World> {
  const key = h.serverKey
  const [admin, member, owner, stranger, newcomer] = [await h.user('Admin'), await h.user('Member'), await h.user('Owner'), await h.user('Stranger'), await h.user('Newcomer')]
  const agent = await h.agent(owner, 'Member agent')
  const removed = await h.user('Removed')
  const otherAgent = await h.agent(stranger, 'Other agent')
  const deactivated = await h.user('Gone')
  await h.ok('deactivate-user', { id: deactivated.id }, key)
  const dm = await h.ok('create-conversation', { type: 'dm', members: [member.id] }, admin.token)
  const group = await h.ok('create-conversation', { type: 'group', name: 'World group', members: [member.id, agent.id, removed.id] }, admin.token)
  const publicChannel = await h.ok('create-conversation', { type: 'channel', name: 'World public', visibility: 'public', members: [member.id] }, admin.token)
  const privateChannel = await h.ok('create-conversation', { type: 'channel', name: 'World private', members: [member.id, agent.id, removed.id] }, admin.token)
  for (const c of [group, privateChannel]) await h.ok('remove-conversation-member', { id: c.id, userIds: [removed.id] }, admin.token)
  const message = await h.ok('send-message', { conversationId: group.id, content: 'hello world', clientMsgId: 'world-1' }, member.token)
  return { h, serverKey: key, admin, member, owner, agent, stranger, removed, otherAgent, deactivated, newcomer, dm, group, publicChannel, privateChannel, message }
}

/**
 * A group like the world's (admin; member and agent as plain members), for samples whose call
 * changes it (archive, leave, remove…): each check gets its own, so no check spoils the next.
 */
export async function freshGroup(w: World, opts: { archived?: boolean } = {}): Promise<{ id: string }> {
  const g = await w.h.ok('create-conversation', { type: 'group', name: w.h.uid('group'), members: [w.member.id, w.agent.id] }, w.admin.token)
  if (opts.archived) await w.h.ok('archive-conversation', { id: g.id }, w.admin.token)
  return g
}

/** An agent of `owner` for samples that change or delete it (the world's agent must keep working). */
export async function freshAgent(w: World): Promise<{ id: string }> {
  return { id: (await w.h.agent(w.owner, 'Victim agent')).id }
}

/** A user for samples that deactivate one. */
export async function freshUser(w: World): Promise<{ id: string }> {
  return { id: (await w.h.user('Victim')).id }
}

/** A message of the world's admin in the group, for samples that change or delete one (the admin is its author). */
export async function freshMessage(w: World): Promise<{ id: string }> {
  return { id: (await w.h.ok('send-message', { conversationId: w.group.id, content: `fresh ${w.h.uid('m')}` }, w.admin.token)).id }
}
