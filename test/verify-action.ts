/**
 * State-checked events (after Zulip's `verify_action`): fetch what a participant's client
 * would fetch, run an action, apply the events that participant receives with the SDK's
 * reducer, fetch again, and insist the two states are equal. A test that wraps an operation in
 * this proves its events are enough to keep a client exactly current — the promise that
 * "events are state" — without writing down what each event must contain.
 */
import { applyEvents, conversationList, initialState, type ClientState, type FetchedConversation, type Stale } from '../packages/client/src/reducer.js'
import type { Conversation, Message } from '../packages/client/src/events.js'
import type { Pin } from '../packages/client/src/state.js'
import type { StoredEvent } from '../src/events/event-types.js'
import { toEventFrame } from '../src/events/event-frame.js'
import type { Harness } from './harness.js'
import { diff, formatDiff } from './state-diff.js'

export interface Viewer {
  id: string
  token: string
}

export interface VerifyOptions {
  /**
   * The conversations whose messages and members are fetched and compared (plus any that
   * appear during the action). Default: every conversation the viewer is in.
   */
  conversationIds?: string[]
  /**
   * Parts the reducer is expected to name stale (known gaps of the payloads; without
   * `conversationId`, of any conversation, e.g. one the action creates). Anything else stale fails.
   */
  expectStale?: { conversationId?: string; what: Stale['what'] }[]
}

export interface Verified<T> {
  result: T
  /** The events the viewer receives, in delivery order. */
  events: StoredEvent[]
  /** Committed events of the action, the viewer's or not. */
  allEvents: StoredEvent[]
  /** The state after, as the reducer computed it. */
  state: ClientState
}

export async function verifyAction<T>(h: Harness, viewer: Viewer, action: () => Promise<T>, opts: VerifyOptions = {}): Promise<Verified<T>> {
  const before = await fetchState(h, viewer, opts.conversationIds)
  const mark = h.events.length
  const result = await action()
  const allEvents = h.eventsSince(mark)
  const events = deliverable(viewer.id, new Set(Object.keys(before.conversations)), allEvents)
  const state = applyEvents(before, events.map(toEventFrame))
  const appeared = Object.keys(state.conversations).filter((id) => !before.conversations[id])
  const involved = opts.conversationIds && [...opts.conversationIds, ...appeared]
  const fresh = await fetchState(h, viewer, involved, true)

  const expected = opts.expectStale ?? []
  const matches = (x: { conversationId?: string; what: string }, s: Stale) => x.what === s.what && (!x.conversationId || x.conversationId === s.conversationId)
  const context = () => `viewer ${viewer.id}; events: ${events.map((e) => `${e.type}#${e.seq}`).join(', ') || 'none'}`
  if (state.stale.some((s) => !expected.some((x) => matches(x, s))) || expected.some((x) => !state.stale.some((s) => matches(x, s)))) {
    throw new Error(`verifyAction: the reducer named stale ${JSON.stringify(state.stale)}, expected ${JSON.stringify(expected)} (${context()})`)
  }
  const differences = diff(normalize(fresh, state.stale), normalize(state, state.stale))
  const listed = (st: ClientState) => conversationList(st).map((c) => c.id).filter((id) => !state.stale.some((s) => s.conversationId === id && s.what === 'conversation'))
  const order = diff(listed(fresh), listed(state), 'order')
  if (differences.length || order.length) {
    throw new Error(`verifyAction: events applied to the state before differ from the state fetched after (${context()}):\n${formatDiff([...differences, ...order], 'fetched', 'events')}`)
  }
  return { result, events, allEvents, state }
}

/**
 * What the hub delivers to the viewer (src/ws/hub.ts `deliver`): events of conversations they
 * are in; `conversation.created` and `member.added` that bring them in start delivery; the
 * `member.removed` about them is the last they get.
 */
export function deliverable(viewerId: string, memberOf: Set<string>, events: StoredEvent[]): StoredEvent[] {
  const member = new Set(memberOf)
  const out: StoredEvent[] = []
  for (const e of events) {
    if (bringsIn(viewerId, e)) member.add(e.conversationId)
    if (!member.has(e.conversationId)) continue
    out.push(e)
    if (e.type === 'member.removed' && (e.data as { memberId?: string }).memberId === viewerId) member.delete(e.conversationId)
  }
  return out
}

function bringsIn(viewerId: string, e: StoredEvent): boolean {
  if (e.type === 'member.added') return (e.data as { member?: { userId?: string } }).member?.userId === viewerId
  if (e.type === 'conversation.created') return ((e.data as { members?: { id: string }[] }).members ?? []).some((m) => m.id === viewerId)
  return false
}

/**
 * The viewer's state as a client fetches it: every page of list-conversations, and for the
 * involved conversations (all, by default) the newest 200 messages, every member and every pin. Each
 * involved conversation is also read with get-conversation, which must agree with the list.
 */
export async function fetchState(h: Harness, viewer: Viewer, involved?: string[], after = false): Promise<ClientState> {
  const conversations: Conversation[] = []
  let cursor: string | undefined
  do {
    const page = await h.ok('list-conversations', { limit: 100, ...(cursor ? { cursor } : {}) }, viewer.token)
    conversations.push(...page.data)
    cursor = page.page.hasMore ? page.page.nextCursor : undefined
  } while (cursor)
  const fetched: FetchedConversation[] = []
  for (const conversation of conversations) {
    if (involved && !involved.includes(conversation.id)) {
      fetched.push({ conversation })
      continue
    }
    const single = await h.ok('get-conversation', { id: conversation.id }, viewer.token)
    const disagree = diff(conversation, single)
    if (disagree.length) throw new Error(`get-conversation disagrees with list-conversations${after ? ' (after)' : ''}:\n${formatDiff(disagree, 'list', 'get')}`)
    const messages = await h.ok('list-messages', { conversationId: conversation.id, limit: 200 }, viewer.token)
    fetched.push({
      conversation,
      messages: { data: messages.data, page: { hasBefore: messages.page.hasBefore } },
      members: await allMembers(h, viewer, conversation.id),
      pins: await allPins(h, viewer, conversation.id),
    })
  }
  return initialState(viewer.id, fetched)
}

/** list-pinned-messages, every page, as the reducer keeps pins. */
async function allPins(h: Harness, viewer: Viewer, id: string): Promise<Pin[]> {
  const out: Pin[] = []
  let cursor: string | undefined
  do {
    const page = await h.ok('list-pinned-messages', { id, limit: 100, ...(cursor ? { cursor } : {}) }, viewer.token)
    out.push(...page.data.map((m: Message) => ({ messageId: m.id, pinnedAt: m.pinnedAt!, pinnedBy: m.pinnedBy })))
    cursor = page.page.hasMore ? page.page.nextCursor : undefined
  } while (cursor)
  return out
}

async function allMembers(h: Harness, viewer: Viewer, id: string) {
  const out = []
  let cursor: string | undefined
  do {
    const page = await h.ok('list-conversation-members', { id, limit: 200, ...(cursor ? { cursor } : {}) }, viewer.token)
    out.push(...page.data)
    cursor = page.page.hasMore ? page.page.nextCursor : undefined
  } while (cursor)
  return out
}

/**
 * The comparable part of a state. Dropped: `rights`, the reducer's own cache of posting rights
 * (not server state), and whatever the reducer named stale (on both sides: the check above
 * already insisted that exactly the expected parts are stale). Nothing else is volatile: the
 * events carry the same timestamps the rows hold, and receipts (moved by ephemeral delivery
 * acknowledgements) are not part of the state.
 */
function normalize(state: ClientState, stale: Stale[]): Record<string, unknown> {
  const gone = (id: string, what: Stale['what']) => stale.some((s) => s.conversationId === id && (s.what === what || s.what === 'conversation'))
  const conversations: Record<string, unknown> = {}
  for (const [id, c] of Object.entries(state.conversations)) {
    if (gone(id, 'conversation')) continue
    conversations[id] = {
      conversation: gone(id, 'counts') ? withoutCounts(c.conversation) : c.conversation,
      ...(c.messages && !gone(id, 'messages') ? { messages: c.messages, hasBefore: c.hasBefore, pins: c.pins } : {}),
      ...(c.members && !gone(id, 'members') ? { members: c.members } : {}),
    }
  }
  return { me: state.me, conversations }
}

function withoutCounts(c: Conversation): Conversation {
  if (!c.membership) return c
  const { unreadCount: _u, mentionCount: _m, unreadThreadCount: _t, ...membership } = c.membership
  return { ...c, membership: membership as Conversation['membership'] }
}
