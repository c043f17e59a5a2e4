/**
 * Test helpers for durable consumers. Excluded from the build like every test-fixtures.ts.
 */
import pino from 'pino'
import type { Harness } from '../../../test/harness.js'
import type { StoredEvent } from '../event-types.js'
import { ConsumerRunner, type ConsumerDefinition, type RunnerOptions } from './runner.js'

export { waitFor } from '../bus/test-fixtures.js'

export const silentLog = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })

/** A group of `n` fresh users plus its creator; answers the conversation id and the creator. */
export async function conversation(h: Harness, members = 1): Promise<{ id: string; token: string }> {
  const [owner, ...others] = await h.users(members + 1)
  const conv = await h.ok('create-conversation', { type: 'group', name: 'c', members: others.map((u) => u.id) }, owner.token)
  return { id: conv.id, token: owner.token }
}

export async function send(h: Harness, conv: { id: string; token: string }, n: number, tag = 'm'): Promise<number[]> {
  const seqs: number[] = []
  for (let i = 0; i < n; i++) seqs.push((await h.ok('send-message', { conversationId: conv.id, content: `${tag} ${i}` }, conv.token)).seq)
  return seqs
}

/** A consumer that records what it handles, per conversation; `fail` decides to throw. */
export function recorder(name: string, extra: Partial<ConsumerDefinition> & { fail?: (e: StoredEvent) => boolean } = {}) {
  const seen = new Map<string, number[]>()
  const calls: StoredEvent[][] = []
  const def: ConsumerDefinition = {
    name,
    backoff: { initialMs: 10, maxMs: 50 },
    ...extra,
    async handle(events) {
      calls.push(events)
      for (const e of events) if (extra.fail?.(e)) throw new Error(`refused ${e.conversationId}:${e.seq}`)
      const list = seen.get(events[0].conversationId) ?? []
      list.push(...events.map((e) => e.seq))
      seen.set(events[0].conversationId, list)
    },
  }
  return { def, seen, calls, of: (id: string) => seen.get(id) ?? [] }
}

/** A started runner with fast test timings; closed by the caller. */
export function runner(h: Harness, def: ConsumerDefinition, opts: Partial<RunnerOptions> = {}): ConsumerRunner {
  return new ConsumerRunner(def, {
    db: h.db,
    node: `test-${Math.random().toString(36).slice(2, 8)}`,
    log: silentLog,
    sink: h.parley.services.events,
    leaseMs: 1_000,
    renewMs: 250,
    pollMs: 100,
    ...opts,
  }).start()
}

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

export const uniqueName = (what: string) => `${what}-${Math.random().toString(36).slice(2, 10)}`

export interface StreamedEvent {
  subject: string
  msgId: string | undefined
  event: import('./domain-event.js').DomainEvent
}

/** Every message of a JetStream stream, in stream order (empty when the stream is missing). */
export async function readStream(url: string, stream: string): Promise<StreamedEvent[]> {
  const { connect } = await import('@nats-io/transport-node')
  const { jetstreamManager } = await import('@nats-io/jetstream')
  const nc = await connect({ servers: url.replace('nats://', '') })
  try {
    const jsm = await jetstreamManager(nc)
    const info = await jsm.streams.info(stream).catch(() => undefined)
    if (!info) return []
    const out: StreamedEvent[] = []
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq })
      if (m) out.push({ subject: m.subject, msgId: m.header?.get('Nats-Msg-Id'), event: m.json() })
    }
    return out
  } finally {
    await nc.close()
  }
}

/** Polls `readStream` until `done` holds for what it read. */
export async function waitForStream(url: string, stream: string, done: (got: StreamedEvent[]) => boolean, timeoutMs = 15_000): Promise<StreamedEvent[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const got = await readStream(url, stream).catch(() => [])
    if (done(got)) return got
    if (Date.now() > deadline) throw new Error(`stream ${stream} did not reach the expected state; has ${got.length} messages`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Asserts helper: the seqs of one conversation as they stand in the stream. */
export const streamSeqs = (got: StreamedEvent[], conversationId: string) => got.filter((m) => m.event.conversationId === conversationId).map((m) => m.event.seq)
