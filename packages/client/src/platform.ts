/**
 * What the SDK needs of its platform, typed here so the library compiles with neither DOM nor
 * Node types (tsconfig.lib.json): Node 20 and browsers both provide `fetch`, `setTimeout`;
 * browsers and Node ≥ 22 provide `WebSocket` (on Node 20, pass the `ws` package's).
 */

/** `ev` parameters are bivariant so both the browser's and `ws`'s WebSocket fit. */
type Handler<E> = { bivarianceHack(ev: E): void }['bivarianceHack']

/** The part of the WebSocket API the SDK uses: the browser's, Node's, or `ws`'s. */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  /** `ws` only: destroy at once without the closing handshake. */
  terminate?(): void
  onopen: Handler<unknown> | null
  onmessage: Handler<{ data: unknown }> | null
  onclose: Handler<{ code: number; reason: string | { toString(): string } }> | null
  onerror: Handler<unknown> | null
}

export type WebSocketConstructor = new (url: string) => WebSocketLike

/** `WebSocket.OPEN`. */
export const WS_OPEN = 1

/** Timers and time, injectable so tests of reconnects and pings run without sleeping. */
export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

interface Globals {
  fetch?: FetchLike
  WebSocket?: WebSocketConstructor
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}
const g = globalThis as unknown as Globals

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => g.setTimeout(fn, ms),
  clearTimeout: (h) => g.clearTimeout(h),
}

/** The part of `fetch` the SDK uses. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: unknown },
) => Promise<{
  status: number
  ok: boolean
  headers: { get(name: string): string | null }
  text(): Promise<string>
}>

export const globalFetch = (): FetchLike | undefined => g.fetch?.bind(globalThis) as FetchLike | undefined
export const globalWebSocket = (): WebSocketConstructor | undefined => g.WebSocket
