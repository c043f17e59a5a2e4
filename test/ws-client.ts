/**
 * A deterministic WebSocket test client: every frame is queued, and tests await the next frame
 * that matches — no sleeps. Closing is observable as a promise of { code, reason }.
 */
import WebSocket from 'ws'

export class TestSocket {
  private readonly frames: any[] = []
  private waiters: { pred: (f: any) => boolean; resolve: (f: any) => void }[] = []
  readonly closed: Promise<{ code: number; reason: string }>
  readonly opened: Promise<void>

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString())
      const i = this.waiters.findIndex((w) => w.pred(f))
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(f)
      else this.frames.push(f)
    })
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })))
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
  }

  static async open(baseUrl: string, opts: { token?: string; origin?: string } = {}): Promise<TestSocket> {
    const url = baseUrl.replace(/^http/, 'ws') + '/v1/ws' + (opts.token ? `?token=${encodeURIComponent(opts.token)}` : '')
    const s = new TestSocket(new WebSocket(url, opts.origin ? { origin: opts.origin } : {}))
    await s.opened
    return s
  }

  /** Opens with `?token=` and waits for session.ready. */
  static async ready(baseUrl: string, token: string): Promise<{ socket: TestSocket; ready: any }> {
    const socket = await TestSocket.open(baseUrl, { token })
    const ready = await socket.next((f) => f.type === 'session.ready')
    return { socket, ready }
  }

  /** The next frame matching `pred` (already received or still to come). */
  next(pred: (f: any) => boolean = () => true, timeoutMs = 5000): Promise<any> {
    const i = this.frames.findIndex(pred)
    if (i >= 0) return Promise.resolve(this.frames.splice(i, 1)[0])
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (f: any) => (clearTimeout(t), resolve(f)) }
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w)
        reject(new Error(`no matching frame within ${timeoutMs} ms; unmatched: ${JSON.stringify(this.frames).slice(0, 500)}`))
      }, timeoutMs)
      this.waiters.push(w)
    })
  }

  /** The next durable event of a conversation. */
  event(conversationId: string, type?: string) {
    return this.next((f) => f.type === 'event' && f.conversationId === conversationId && (!type || f.event === type))
  }

  /** Everything received and not yet consumed, without waiting. */
  drain(pred: (f: any) => boolean = () => true): any[] {
    const out = this.frames.filter(pred)
    for (const f of out) this.frames.splice(this.frames.indexOf(f), 1)
    return out
  }

  send(frame: unknown) {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  private seq = 0
  async call(op: string, data: Record<string, unknown> = {}): Promise<any> {
    const id = `c${++this.seq}`
    this.send({ type: 'call', id, op, data })
    return this.next((f) => f.type === 'result' && f.id === id)
  }

  close() {
    this.ws.close()
    return this.closed
  }
}
