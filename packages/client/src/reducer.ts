import type { Conversation, Message } from './events.js'
import { canPostIn, learnRight, mentionsMe, recount, withMemberCursor } from './reducer-rules.js'
import { messageEdited, messageRemoved, type DeletedData } from './reducer-edits.js'
import { keepThread, messageDeleted as threadMessageDeleted, messageUpdated as threadMessageUpdated, replyArrived, threadReadUpdated, type ThreadStep } from './reducer-threads.js'
import { messagePinned, messageUnpinned, reactionChanged, withoutPin, type PinnedData, type ReactionData } from './reducer-reactions.js'
import type { ConversationState, Member, Pin, Rights } from './state.js'

export type { ConversationState, Member, Pin } from './state.js'

/**
 * The client-side state an app builds from what it fetches, and keeps current by applying
 * durable events: `applyEvent(state, frame) → state`. Pure (no I/O, inputs never mutated), so
 * a web client, a test and a bot share it. The rules mirror the server's exactly; where an
 * event does not carry enough to know the result, the reducer does not guess: it names the
 * part in `stale`, and the app refetches it.
 */

/** Something the events could not bring; refetch it. */
export interface Stale {
  conversationId: string
  what: 'conversation' | 'members' | 'messages' | 'counts' | 'events'
  why: string
}

export interface ClientState {
  /** The viewing participant. */
  me: string
  conversations: Record<string, ConversationState>
  stale: Stale[]
}

/** What the reducer reads of an event: the frame's fields (EventFrame, ParleyEvent, a stored event in frame shape). */
export interface ReducibleEvent {
  event: string
  conversationId: string
  seq: number
  actorId: string | null
  createdAt: string
  data: unknown
}

export interface FetchedConversation {
  conversation: Conversation
  messages?: { data: Message[]; page: { hasBefore: boolean } }
  members?: Member[]
  /** list-pinned-messages (every page), as pins; fetched along with the messages. */
  pins?: Pin[]
}

/** The state from what was fetched: list-conversations (all pages), and per conversation list-messages, list-conversation-members and list-pinned-messages. */
export function initialState(me: string, fetched: FetchedConversation[]): ClientState {
  const conversations: Record<string, ConversationState> = {}
  for (const f of fetched) {
    const rights: Rights = {}
    for (const m of f.members ?? []) learnRight(rights, f.conversation, m.userId, m.role, m.canPost)
    if (f.conversation.membership) learnRight(rights, f.conversation, me, f.conversation.membership.role, f.conversation.membership.canPost)
    conversations[f.conversation.id] = {
      conversation: f.conversation,
      ...(f.messages ? { messages: f.messages.data, hasBefore: f.messages.page.hasBefore } : {}),
      ...(f.members ? { members: f.members } : {}),
      ...(f.pins ? { pins: f.pins } : {}),
      rights,
    }
  }
  return { me, conversations, stale: [] }
}

/** The conversation list in list-conversations' order: most recent activity first, then id descending. */
export function conversationList(state: ClientState): Conversation[] {
  return Object.values(state.conversations)
    .map((c) => c.conversation)
    .sort((a, b) => (a.lastActivityAt === b.lastActivityAt ? (a.id < b.id ? 1 : -1) : a.lastActivityAt < b.lastActivityAt ? 1 : -1))
}

export function applyEvents(state: ClientState, events: Iterable<ReducibleEvent>): ClientState {
  let s = state
  for (const e of events) s = applyEvent(s, e)
  return s
}

const NEW_MEMBERSHIP_PREFERENCES = { starred: false, muteUntil: null, notifyLevel: 'all' as const }

export function applyEvent(state: ClientState, e: ReducibleEvent): ClientState {
  const entry = state.conversations[e.conversationId]
  const data = (e.data ?? {}) as Record<string, any>
  if (!entry) return applyToUnknown(state, e, data)
  // Idempotent: live frames and sync replays overlap, and a reload may be newer than an event.
  if (e.seq <= entry.conversation.lastSeq) return state
  let next = state
  if (e.seq > entry.conversation.lastSeq + 1) {
    next = stale(next, e.conversationId, 'events', `seqs ${entry.conversation.lastSeq + 1}..${e.seq - 1} were not applied`)
  }
  const at = { ...entry, conversation: { ...entry.conversation, lastSeq: e.seq } }
  switch (e.event) {
    case 'conversation.updated':
      return conversationUpdated(next, at, data)
    case 'member.added':
      return put(next, memberAdded(at, data.member as Member))
    case 'member.removed':
      return data.memberId === state.me ? drop(next, e.conversationId) : put(next, memberRemoved(at, data.memberId as string))
    case 'member.updated':
      return put(next, memberUpdated(next.me, at, data.member as Member, data.changes ?? {}))
    case 'message.created':
      return step(next, replyArrived(next.me, messageCreated(next.me, at, data as Message), data as Message))
    case 'read.updated':
      return readUpdated(next, at, data.userId as string, data.lastReadSeq as number)
    case 'thread.read.updated':
      return put(next, data.userId === next.me ? threadReadUpdated(at, data as { threadRootId: string; lastReadSeq: number; unreadThreadCount: number }) : at)
    case 'message.updated': {
      // A thread root keeps the viewer's own cursor, which the caller-free view lacks.
      const t = threadMessageUpdated(at, data as Message)
      const s = messageChanged(step(next, t), t.entry, e, data)
      const after = s.conversations[e.conversationId]
      return after ? put(s, keepThread(after, (data as Message).id, t.thread)) : s
    }
    case 'message.deleted': {
      const t = threadMessageDeleted(at, data.messageId as string, data.mode as 'soft' | 'hard')
      const s = messageChanged(step(next, t), t.entry, e, data)
      const after = s.conversations[e.conversationId]
      return after ? put(s, keepThread(after, data.messageId as string, t.thread)) : s
    }
    case 'reaction.added':
    case 'reaction.removed':
      return put(next, reactionChanged(next.me, at, data as ReactionData, e.event === 'reaction.added' ? 1 : -1))
    case 'message.pinned':
      return put(next, messagePinned(at, data as PinnedData))
    case 'message.unpinned':
      return put(next, messageUnpinned(at, data.messageId as string))
    default:
      // conversation.created of a known conversation cannot happen; anything newer is unknown to this SDK.
      return stale(put(next, at), e.conversationId, 'conversation', `${e.event} is not known to this reducer`)
  }
}

/** A member as conversation.created lists it; servers before kind, name and avatarUrl sent only the first three. */
interface CreatedMember {
  id: string
  role: 'admin' | 'member'
  canPost: boolean
  kind?: Member['kind']
  name?: string
  avatarUrl?: string | null
}

/** An event of a conversation not in the state: one that brings the viewer in, or one to refetch. */
function applyToUnknown(state: ClientState, e: ReducibleEvent, data: Record<string, any>): ClientState {
  if (e.event === 'conversation.created') {
    const members = (data.members ?? []) as CreatedMember[]
    const mine = members.find((m) => m.id === state.me)
    if (!mine) return state
    const view = data.conversation as Conversation
    const rights: Rights = Object.fromEntries(members.map((m) => [m.id, m.canPost]))
    const conversation: Conversation = {
      ...view,
      // The event's view omits a dm's participants; its members list them (sorted, as views do).
      ...(view.type === 'dm' && !view.participants ? { participants: members.map((m) => m.id).sort() } : {}),
      lastSeq: e.seq,
      access: 'member',
      membership: {
        role: mine.role,
        canPost: canPostIn(view, mine.role, mine.canPost) ?? false,
        lastReadSeq: 0,
        unreadCount: 0,
        mentionCount: 0,
        unreadThreadCount: 0,
        // Members are inserted in the same statement and at the same time as the conversation.
        joinedAt: view.createdAt,
        preferences: NEW_MEMBERSHIP_PREFERENCES,
      },
    }
    const views = members.every((m) => m.kind !== undefined && typeof m.name === 'string')
      ? members.map((m): Member => ({
          userId: m.id,
          kind: m.kind!,
          name: m.name!,
          avatarUrl: m.avatarUrl ?? null,
          role: m.role,
          // The event lists the stored right; the member view shows the effective one.
          canPost: canPostIn(view, m.role, m.canPost) ?? false,
          joinedAt: view.createdAt,
          lastReadSeq: 0,
        })).sort(byJoined)
      : undefined
    const entry: ConversationState = { conversation, messages: [], hasBefore: false, pins: [], rights, ...(views ? { members: views } : {}) }
    return views ? put(state, entry) : stale(put(state, entry), view.id, 'members', 'conversation.created does not carry the member views')
  }
  if (e.event === 'member.added' && data.member?.userId === state.me) return joined(state, e, data.member as Member, data.conversation as Conversation | undefined)
  if (e.event === 'member.removed') return state
  return stale(state, e.conversationId, 'conversation', `${e.event} for a conversation not in the state`)
}

/**
 * The viewer was added to (or joined) a conversation: it is built from the event's view (as of
 * the event, no membership) and the viewer's member view. What the event cannot bring is named
 * stale: earlier messages and their unread counts, and the other members' views.
 */
function joined(state: ClientState, e: ReducibleEvent, me: Member, view: Conversation | undefined): ClientState {
  const id = e.conversationId
  if (!view) return stale(state, id, 'conversation', 'member.added does not carry the conversation')
  const rights: Rights = {}
  learnRight(rights, view, me.userId, me.role, me.canPost)
  const conversation: Conversation = {
    ...view,
    lastSeq: e.seq,
    access: 'member',
    membership: {
      role: me.role,
      canPost: me.canPost,
      lastReadSeq: me.lastReadSeq,
      unreadCount: 0,
      mentionCount: 0,
      unreadThreadCount: 0,
      joinedAt: me.joinedAt,
      preferences: NEW_MEMBERSHIP_PREFERENCES,
    },
  }
  const noHistory = !view.lastMessage
  const alone = view.memberCount === 1
  let next = put(state, { conversation, rights, ...(noHistory ? { messages: [], hasBefore: false, pins: [] } : {}), ...(alone ? { members: [me] } : {}) })
  if (!noHistory) {
    next = stale(next, id, 'messages', 'member.added does not carry the earlier messages')
    next = stale(next, id, 'counts', 'the earlier messages are unread and not loaded')
  }
  return alone ? next : stale(next, id, 'members', 'member.added does not carry the other members')
}

function conversationUpdated(state: ClientState, entry: ConversationState, data: Record<string, any>): ClientState {
  const old = entry.conversation
  const view = data.conversation as Conversation
  const changes = (data.changes ?? {}) as Record<string, unknown>
  let rights = entry.rights
  // A group becoming a channel takes the right to post from every non-admin (convert-conversation).
  if (changes.type === 'channel' && old.type !== 'channel') {
    rights = { ...rights }
    for (const m of entry.members ?? []) if (m.role !== 'admin') rights[m.userId] = false
    if (old.membership && old.membership.role !== 'admin') rights[state.me] = false
  }
  const conversation: Conversation = { ...view, lastSeq: entry.conversation.lastSeq, access: old.access, membership: old.membership }
  let next = state
  let unknown = false
  if (old.membership) {
    const canPost = canPostIn(conversation, old.membership.role, rights[state.me])
    if (canPost === undefined) unknown = true
    conversation.membership = { ...old.membership, canPost: canPost ?? old.membership.canPost }
  }
  const members = entry.members?.map((m) => {
    const canPost = canPostIn(conversation, m.role, rights[m.userId])
    if (canPost === undefined) unknown = true
    return canPost === undefined || canPost === m.canPost ? m : { ...m, canPost }
  })
  if (unknown) next = stale(next, old.id, 'members', 'a posting right hidden by the archive is not known')
  return put(next, { ...entry, conversation, rights, ...(members ? { members } : {}) })
}

function memberAdded(entry: ConversationState, member: Member): ConversationState {
  const conversation = { ...entry.conversation, memberCount: entry.conversation.memberCount + 1 }
  const rights = { ...entry.rights }
  learnRight(rights, conversation, member.userId, member.role, member.canPost)
  const members = entry.members && [...entry.members.filter((m) => m.userId !== member.userId), member].sort(byJoined)
  return { ...entry, conversation, rights, ...(members ? { members } : {}) }
}

function memberRemoved(entry: ConversationState, memberId: string): ConversationState {
  const conversation = { ...entry.conversation, memberCount: entry.conversation.memberCount - 1 }
  const { [memberId]: _gone, ...rights } = entry.rights
  const members = entry.members?.filter((m) => m.userId !== memberId)
  return { ...entry, conversation, rights, ...(members ? { members } : {}) }
}

function memberUpdated(me: string, entry: ConversationState, member: Member, changes: Record<string, unknown>): ConversationState {
  const rights = { ...entry.rights }
  // `changes.canPost` is the stored right; `member.canPost` is effective.
  if (typeof changes.canPost === 'boolean') rights[member.userId] = changes.canPost
  else learnRight(rights, entry.conversation, member.userId, member.role, member.canPost)
  let conversation = entry.conversation
  if (member.userId === me && conversation.membership) {
    conversation = { ...conversation, membership: { ...conversation.membership, role: member.role, canPost: member.canPost } }
  }
  const members = entry.members?.map((m) => (m.userId === member.userId ? member : m))
  return { ...entry, conversation, rights, ...(members ? { members } : {}) }
}

function messageCreated(me: string, entry: ConversationState, msg: Message): ConversationState {
  let conversation: Conversation = { ...entry.conversation, lastMessage: msg, lastActivityAt: msg.createdAt }
  const m = conversation.membership
  // System messages (Parley's own: member joined, renamed…) are never unread and move no one's cursor.
  const system = msg.kind === 'system'
  if (m && !system && msg.senderId === me) {
    // Sending moves the sender's read cursor to their message: nothing before it is unread.
    conversation = { ...conversation, membership: { ...m, lastReadSeq: Math.max(m.lastReadSeq, msg.seq), unreadCount: 0, mentionCount: 0 } }
  } else if (m && !system && msg.seq > m.lastReadSeq && !msg.deletedAt) {
    const mentioned = mentionsMe(me, msg, m.preferences.notifyLevel)
    conversation = {
      ...conversation,
      // The server counts at most 1000 of each.
      membership: { ...m, unreadCount: Math.min(1000, m.unreadCount + 1), mentionCount: Math.min(1000, m.mentionCount + (mentioned ? 1 : 0)) },
    }
  }
  let messages = entry.messages
  // The root's thread summary: replyArrived (reducer-threads.ts).
  if (messages && !messages.some((x) => x.id === msg.id)) messages = [...messages, msg]
  const members = entry.members && (system ? entry.members : withMemberCursor(entry.members, msg.senderId, msg.seq))
  return { ...entry, conversation, ...(messages ? { messages } : {}), ...(members ? { members } : {}) }
}

function readUpdated(state: ClientState, entry: ConversationState, userId: string, lastReadSeq: number): ClientState {
  const members = entry.members && withMemberCursor(entry.members, userId, lastReadSeq)
  let next: ConversationState = { ...entry, ...(members ? { members } : {}) }
  const m = entry.conversation.membership
  if (userId !== state.me || !m || lastReadSeq <= m.lastReadSeq) return put(state, next)
  const counts = recount(state.me, next, lastReadSeq)
  const membership = { ...m, lastReadSeq, ...(counts ?? {}) }
  next = { ...next, conversation: { ...next.conversation, membership } }
  const s = put(state, next)
  return counts ? s : stale(s, entry.conversation.id, 'counts', 'messages after the new read cursor are not all loaded')
}

/**
 * `message.updated` and `message.deleted` (reducer-edits.ts): the held message replaced,
 * tombstoned or removed, the viewer's counts after it, and the deleted message's pin dropped.
 */
function messageChanged(state: ClientState, entry: ConversationState, e: ReducibleEvent, data: Record<string, any>): ClientState {
  // A delete takes the message's pin with it: no message.unpinned is emitted.
  if (e.event === 'message.deleted') entry = withoutPin(entry, data.messageId as string)
  const r = e.event === 'message.deleted' ? messageRemoved(state.me, entry, data as DeletedData) : messageEdited(state.me, entry, data as Message)
  const next = put(state, r.entry)
  return r.stale ? stale(next, entry.conversation.id, r.stale.what, r.stale.why) : next
}

const byJoined = (a: Member, b: Member) => (a.joinedAt === b.joinedAt ? (a.userId < b.userId ? -1 : 1) : a.joinedAt < b.joinedAt ? -1 : 1)

/** Applies a thread step: its conversation, and its counts named stale when they are not known. */
function step(state: ClientState, t: ThreadStep): ClientState {
  const next = put(state, t.entry)
  return t.stale ? stale(next, t.entry.conversation.id, 'counts', t.stale) : next
}

function put(state: ClientState, entry: ConversationState): ClientState {
  return { ...state, conversations: { ...state.conversations, [entry.conversation.id]: entry } }
}

function drop(state: ClientState, id: string): ClientState {
  const { [id]: _gone, ...conversations } = state.conversations
  return { ...state, conversations }
}

function stale(state: ClientState, conversationId: string, what: Stale['what'], why: string): ClientState {
  if (state.stale.some((s) => s.conversationId === conversationId && s.what === what)) return state
  return { ...state, stale: [...state.stale, { conversationId, what, why }] }
}
