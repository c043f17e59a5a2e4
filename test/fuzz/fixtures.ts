/**
 * One entry per operation of the registry: a VALID sample input, drawn from the world, and who
 * may act on what it names. The fuzzer mutates the sample; the authorization matrix calls it
 * as every kind of caller. Both refuse to run an operation that has no entry here, so adding
 * an operation means saying here what it takes and whom it is for.
 */
import type { AnyOp } from '../../src/ops/define-op.js'
import { freshAgent, freshGroup, freshMessage, freshUser, type World } from './world.js'

/**
 * Who may act on what the sample names, beyond the caller kinds of `op.callers` (a kind not
 * listed is 403 whatever the input). Each profile is a row of the matrix (see access.ts):
 * - `open`: anyone authenticated of an allowed kind;
 * - `read`: readers of a private conversation: members, the server key and the owner of a
 *   member agent; others 404, exactly like a missing conversation;
 * - `member`: members only; the agent owner (a reader) 403; others 404;
 * - `member-or-server`: members and the server key; the agent owner (a reader) 403; others 404;
 * - `admin`: admins and the server key; other readers 403; others 404;
 * - `agent`: the agent's owner and the server key; any other user 404, like a missing agent;
 * - `owner-only`: the owner named in the input and the server key; another user 403.
 */
export type Profile = 'open' | 'read' | 'member' | 'member-or-server' | 'admin' | 'agent' | 'owner-only'

export interface Fixture {
  /**
   * A valid input (path parameters included) for the world's admin, or for the owner with
   * profiles `agent` and `owner-only`, or the server key for server-only operations. Called
   * once per check: samples of operations that change what they name create it afresh.
   */
  sample(w: World): Promise<Record<string, unknown>> | Record<string, unknown>
  profile: Profile
  /** The input field holding the id the profile is about: swapped for an absent id, it must answer the same 404. */
  scope?: string
}

export const FIXTURES: Record<string, Fixture> = {
  // identity
  'upsert-user': { profile: 'open', sample: () => ({ id: 'fuzz-upserted', name: 'Upserted', avatarUrl: 'https://example.com/a.png', metadata: { team: 'x' } }) },
  'get-user': { profile: 'open', sample: (w) => ({ id: w.member.id }) },
  'list-users': { profile: 'open', sample: () => ({ query: 'u', kind: 'user', limit: 5 }) },
  'deactivate-user': { profile: 'open', sample: async (w) => ({ id: (await freshUser(w)).id }) },
  'create-token': { profile: 'open', sample: (w) => ({ userId: w.member.id, ttlSeconds: 600 }) },

  // agents
  'create-agent': { profile: 'owner-only', sample: (w) => ({ name: 'Helper', ownerId: w.owner.id, description: 'made by the fuzzer', metadata: { v: 1 } }) },
  'list-agents': { profile: 'open', sample: () => ({ limit: 5 }) },
  'update-agent': { profile: 'agent', scope: 'id', sample: async (w) => ({ id: (await freshAgent(w)).id, name: 'Renamed', description: null }) },
  'rotate-agent-key': { profile: 'agent', scope: 'id', sample: async (w) => ({ id: (await freshAgent(w)).id }) },
  'delete-agent': { profile: 'agent', scope: 'id', sample: async (w) => ({ id: (await freshAgent(w)).id }) },
  'list-agent-conversations': { profile: 'agent', scope: 'agentId', sample: (w) => ({ agentId: w.agent.id, limit: 10 }) },

  // conversations
  'create-conversation': { profile: 'open', sample: (w) => ({ type: 'group', name: 'Fuzzed', members: [w.member.id], settings: { maxMembers: 10 } }) },
  'get-conversation': { profile: 'read', scope: 'id', sample: (w) => ({ id: w.group.id }) },
  'list-conversations': { profile: 'open', sample: () => ({ type: 'group', limit: 10 }) },
  'update-conversation': { profile: 'admin', scope: 'id', sample: async (w) => ({ id: (await freshGroup(w)).id, name: 'Renamed', description: 'new' }) },
  'archive-conversation': { profile: 'admin', scope: 'id', sample: async (w) => ({ id: (await freshGroup(w)).id }) },
  'unarchive-conversation': { profile: 'admin', scope: 'id', sample: async (w) => ({ id: (await freshGroup(w, { archived: true })).id }) },
  'convert-conversation': { profile: 'admin', scope: 'id', sample: async (w) => ({ id: (await freshGroup(w)).id, to: 'channel' }) },

  // members
  'join-conversation': { profile: 'member', scope: 'id', sample: (w) => ({ id: w.group.id }) },
  'leave-conversation': { profile: 'member', scope: 'id', sample: async (w) => ({ id: (await freshGroup(w)).id }) },
  'add-conversation-member': { profile: 'admin', scope: 'id', sample: async (w) => ({ id: (await freshGroup(w)).id, userIds: [w.newcomer.id] }) },
  'remove-conversation-member': { profile: 'admin', scope: 'id', sample: async (w) => ({ id: (await freshGroup(w)).id, userIds: [w.member.id] }) },
  'update-conversation-member': { profile: 'admin', scope: 'id', sample: async (w) => ({ id: (await freshGroup(w)).id, userId: w.member.id, role: 'admin' }) },
  'list-conversation-members': { profile: 'read', scope: 'id', sample: (w) => ({ id: w.privateChannel.id, limit: 10 }) },
  'update-conversation-preferences': { profile: 'member', scope: 'id', sample: (w) => ({ id: w.privateChannel.id, starred: true, notifyLevel: 'mentions' }) },

  // reads
  'mark-conversation-read': { profile: 'member', scope: 'id', sample: (w) => ({ id: w.group.id, seq: 1 }) },
  'mark-conversation-delivered': { profile: 'member', scope: 'id', sample: (w) => ({ id: w.privateChannel.id, seq: 1 }) },

  // messages
  'send-message': {
    profile: 'member',
    scope: 'conversationId',
    sample: (w) => ({ conversationId: w.group.id, content: 'a reply', replyToId: w.message.id, kind: 'text', mentions: [w.member.id] }),
  },
  'list-messages': { profile: 'read', scope: 'conversationId', sample: (w) => ({ conversationId: w.group.id, limit: 10 }) },
  'get-message': { profile: 'read', scope: 'id', sample: (w) => ({ id: w.message.id }) },
  // The fresh message is the admin's own: for edits the author is the only one let through, as `admin` says.
  'edit-message': {
    profile: 'admin',
    scope: 'id',
    sample: async (w) => ({ id: (await freshMessage(w)).id, content: `edited @${w.member.id}`, mentions: [w.agent.id], metadata: { v: 2 } }),
  },
  'list-message-edits': { profile: 'read', scope: 'id', sample: (w) => ({ id: w.message.id, limit: 10 }) },
  'delete-message': { profile: 'admin', scope: 'id', sample: async (w) => ({ id: (await freshMessage(w)).id, mode: 'soft', reason: 'fuzzed' }) },
  'list-moderation-log': { profile: 'admin', scope: 'id', sample: (w) => ({ id: w.group.id, limit: 10 }) },
  'add-reaction': { profile: 'member', scope: 'id', sample: (w) => ({ id: w.message.id, emoji: '👍' }) },
  'remove-reaction': { profile: 'member', scope: 'id', sample: (w) => ({ id: w.message.id, emoji: '👍' }) },
  'list-reactions': { profile: 'read', scope: 'id', sample: (w) => ({ id: w.message.id, emoji: '👍', limit: 10 }) },
  'pin-message': { profile: 'member-or-server', scope: 'id', sample: (w) => ({ id: w.message.id }) },
  'unpin-message': { profile: 'member-or-server', scope: 'id', sample: (w) => ({ id: w.message.id }) },
  'list-pinned-messages': { profile: 'read', scope: 'id', sample: (w) => ({ id: w.group.id, limit: 10 }) },
  'list-thread': { profile: 'read', scope: 'id', sample: (w) => ({ id: w.message.id, limit: 10 }) },
  'mark-thread-read': { profile: 'member', scope: 'id', sample: (w) => ({ id: w.message.id }) },
  'search-messages': { profile: 'read', scope: 'conversationId', sample: (w) => ({ query: 'hello wor', conversationId: w.group.id, limit: 10 }) },

  // real time
  sync: { profile: 'open', sample: (w) => ({ since: { [w.group.id]: 0, [w.dm.id]: 1 } }) },
  'send-typing': { profile: 'member', scope: 'conversationId', sample: (w) => ({ conversationId: w.group.id }) },
  'get-presence': { profile: 'open', sample: (w) => ({ userIds: [w.member.id, w.stranger.id] }) },
}

/** The fixture of an operation, or an error saying the table must be completed. */
export function fixtureFor(op: AnyOp): Fixture {
  const f = FIXTURES[op.id]
  if (!f) throw new Error(`operation ${op.id} has no entry in test/fuzz/fixtures.ts: add a valid sample input and its access profile`)
  return f
}

/** Registry operations without a fixture, and fixtures naming no operation of the registry. */
export function fixtureGaps(ops: readonly AnyOp[]): { missing: string[]; stale: string[] } {
  const ids = new Set(ops.map((o) => o.id))
  return { missing: ops.map((o) => o.id).filter((id) => !FIXTURES[id]), stale: Object.keys(FIXTURES).filter((id) => !ids.has(id)) }
}
