/**
 * Fixtures for the conversation, member and read tests (used by tests only). Typed against
 * the slice of the test harness they need, so this file does not reach outside `src/`.
 */
import type { Queryable } from '../store/db.js'

export interface Caller {
  id: string
  token: string
}

/** What the fixtures use of `test/harness.ts`'s Harness. */
export interface HarnessLike {
  readonly serverKey: string
  readonly db: Queryable
  readonly events: { conversationId: string; seq: number; type: string; data: Record<string, unknown> }[]
  uid(prefix?: string): string
  ok<T = any>(opId: string, data: Record<string, unknown>, token: string | undefined): Promise<T>
  call<T = any>(opId: string, data: Record<string, unknown>, token: string | undefined): Promise<{ status: number; body: T }>
  user(name?: string): Promise<Caller>
}

/** A group created by `admin` with `members`. */
export async function createGroup(h: HarnessLike, admin: Caller, members: { id: string }[], extra: Record<string, unknown> = {}) {
  return h.ok('create-conversation', { type: 'group', name: h.uid('group'), members: members.map((m) => m.id), ...extra }, admin.token)
}

/** A channel (private unless `visibility` says otherwise) created by `admin` with `members`. */
export async function createChannel(h: HarnessLike, admin: Caller, members: { id: string }[], extra: Record<string, unknown> = {}) {
  return h.ok('create-conversation', { type: 'channel', name: h.uid('channel'), members: members.map((m) => m.id), ...extra }, admin.token)
}

/** A deactivated user whose token is still well signed (it must answer 401). */
export async function deactivatedUser(h: HarnessLike): Promise<Caller> {
  const u = await h.user('Gone')
  await h.ok('deactivate-user', { id: u.id }, h.serverKey)
  return u
}

/** The conversation's lastSeq, read with the server key. */
export async function lastSeqOf(h: HarnessLike, conversationId: string): Promise<number> {
  return (await h.ok('get-conversation', { id: conversationId }, h.serverKey)).lastSeq
}

/** Committed events of one conversation since `mark`: their types and seqs. */
export function eventsSince(h: HarnessLike, mark: number, conversationId: string) {
  const evs = h.events.slice(mark).filter((e) => e.conversationId === conversationId)
  return { types: evs.map((e) => e.type), seqs: evs.map((e) => e.seq), data: evs.map((e) => e.data as any) }
}

/** `n` consecutive seqs after `last`: what a gapless log must show. */
export const seqsAfter = (last: number, n: number) => Array.from({ length: n }, (_, i) => last + i + 1)

/** The ids of a conversation's members, as the server key lists them. */
export async function memberIdsOf(h: HarnessLike, conversationId: string): Promise<string[]> {
  const res = await h.ok('list-conversation-members', { id: conversationId, limit: 200 }, h.serverKey)
  return res.data.map((m: { userId: string }) => m.userId).sort()
}
