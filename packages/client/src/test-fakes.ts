/**
 * Test doubles for deterministic tests of the real-time logic: a manual clock and an in-memory
 * WebSocket the test drives frame by frame (the tldraw TestSocketPair idea). No sleeps.
 */
import type { Clock, WebSocketLike } from './platform.js'

export class ManualClock implements Clock {
  private t = 0
  private nextId = 0
  private timers = new Map<number, { at: number; fn: () => void }>()

  now(): number {
    return this.t
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.nextId
    this.timers.set(id, { at: this.t + ms, fn })
    return id
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number)
  }

  /** Pending timers' delays from now, soonest first. */
  pending(): number[] {
    return [...this.timers.values()].map((x) => x.at - this.t).sort((a, b) => a - b)
  }

  /** Moves time forward, firing due timers in order (including ones they schedule). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined
      for (const e of this.timers) if (e[1].at <= end && (!due || e[1].at < due[1].at)) due = e
      if (!due) break
      this.timers.delete(due[0])
      this.t = due[1].at
      due[1].fn()
      await flush()
    }
    this.t = end
  }
}

/** Lets pending promise callbacks run (token fetches, awaited calls). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}

export class FakeSocket implements WebSocketLike {
  readyState = 0
  readonly sent: any[] = []
  closedByClient: { code?: number; reason?: string } | undefined
  terminated = false
  onopen: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onclose: ((ev: { code: number; reason: string }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open')
    this.sent.push(JSON.parse(data))
  }
  close(code?: number, reason?: string): void {
    this.closedByClient = { code, reason }
    this.readyState = 3
  }
  terminate(): void {
    this.terminated = true
    this.readyState = 3
  }

  // The server's side.
  open(): void {
    this.readyState = 1
    this.onopen?.({})
  }
  receive(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) })
  }
  serverClose(code: number, reason = ''): void {
    this.readyState = 3
    this.onclose?.({ code, reason })
  }
  /** The `call` frames sent so far for `op`. */
  calls(op?: string): any[] {
    return this.sent.filter((f) => f.type === 'call' && (!op || f.op === op))
  }
  /** Answers the last unanswered call of `op` with `data`. */
  answer(op: string, data: unknown): void {
    const call = this.calls(op).at(-1)
    if (!call) throw new Error(`no ${op} call to answer; sent: ${JSON.stringify(this.sent)}`)
    this.receive({ type: 'result', id: call.id, ok: true, data })
  }
}

export function fakeSockets() {
  const sockets: FakeSocket[] = []
  class WebSocket extends FakeSocket {
    constructor(url: string) {
      super(url)
      sockets.push(this)
    }
  }
  return {
    WebSocket,
    sockets,
    last(): FakeSocket {
      const s = sockets.at(-1)
      if (!s) throw new Error('no socket was opened')
      return s
    },
  }
}

export const ready = (participantId = 'u1') => ({
  type: 'session.ready',
  protocol: 1,
  sessionId: 's1',
  participant: { id: participantId, kind: 'user' },
  unread: [],
  limits: { maxFrameBytes: 1 << 20, framesPerSecond: 50, idleTimeoutMs: 60_000 },
})

export const ev = (conversationId: string, seq: number, content = `m${seq}`) => ({
  type: 'event',
  event: 'message.created',
  conversationId,
  seq,
  actorId: 'u2',
  createdAt: '2025-01-01T00:00:00.000Z',
  data: { id: `${conversationId}-${seq}`, conversationId, seq, content },
})
