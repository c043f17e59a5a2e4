/**
 * Helpers of the real-time bench (issue 3): the latency histogram the load generators send
 * back over IPC, the send-timestamp mark carried in message content, the server's memory
 * (VmRSS, and a full GC through the inspector), and the scratch database.
 */
import { readFileSync } from 'node:fs'
import WebSocket from 'ws'
import { round3, type LatencySummary } from '../lib/stats.js'

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes of one machine. */
export const absNow = () => performance.timeOrigin + performance.now()

// ---------------------------------------------------------------------------------------------
// The mark: `RTB:<send time ms>:<sender>:<k>:` then x up to the content length.

export function mark(t: number, sender: string | number, k: number, length: number): string {
  const s = `RTB:${t.toFixed(3)}:${sender}:${k}:`
  return s.length >= length ? s : s + 'x'.repeat(length - s.length)
}

export interface Mark {
  t: number
  sender: string
  k: number
}

/** Finds the mark in a raw frame (a Parley event frame, or the bare server's frame) without parsing the JSON. */
export function findMark(frame: string): Mark | undefined {
  const i = frame.indexOf('RTB:')
  if (i < 0) return undefined
  const a = frame.indexOf(':', i + 4)
  const b = frame.indexOf(':', a + 1)
  const c = frame.indexOf(':', b + 1)
  if (a < 0 || b < 0 || c < 0) return undefined
  return { t: Number(frame.substring(i + 4, a)), sender: frame.substring(a + 1, b), k: Number(frame.substring(b + 1, c)) }
}

// ---------------------------------------------------------------------------------------------
// Latency histogram: 10 µs buckets below 100 ms, 1 ms buckets up to 120 s. Mergeable across
// processes; percentiles by nearest rank on the bucket's upper edge.

const FINE = 10_000 // 0..100 ms in 0.01 ms
const COARSE = 120_000 // 100 ms..120 s in 1 ms

export class Hist {
  counts = new Float64Array(FINE + COARSE + 1)
  n = 0
  sum = 0
  max = 0

  add(ms: number): void {
    if (!(ms >= 0)) ms = 0
    const b = ms < 100 ? Math.floor(ms * 100) : Math.min(FINE + COARSE, FINE + Math.floor(ms - 100))
    this.counts[b]++
    this.n++
    this.sum += ms
    if (ms > this.max) this.max = ms
  }

  toJSON(): HistJSON {
    const sparse: [number, number][] = []
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i]) sparse.push([i, this.counts[i]])
    return { sparse, n: this.n, sum: this.sum, max: this.max }
  }

  static merge(parts: HistJSON[]): Hist {
    const h = new Hist()
    for (const p of parts) {
      for (const [i, c] of p.sparse) h.counts[i] += c
      h.n += p.n
      h.sum += p.sum
      h.max = Math.max(h.max, p.max)
    }
    return h
  }

  private upper(b: number): number {
    return b < FINE ? (b + 1) / 100 : 100 + (b - FINE + 1)
  }

  at(p: number): number {
    if (!this.n) return NaN
    const rank = Math.max(1, Math.ceil(p * this.n))
    let seen = 0
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]
      if (seen >= rank) return Math.min(this.upper(i), this.max)
    }
    return this.max
  }

  summary(): LatencySummary {
    return { count: this.n, meanMs: r3(this.n ? this.sum / this.n : NaN), p50Ms: r3(this.at(0.5)), p90Ms: r3(this.at(0.9)), p99Ms: r3(this.at(0.99)), p999Ms: r3(this.at(0.999)), maxMs: r3(this.n ? this.max : NaN) }
  }
}

export interface HistJSON {
  sparse: [number, number][]
  n: number
  sum: number
  max: number
}

export type { LatencySummary }
const r3 = round3

// ---------------------------------------------------------------------------------------------
// Memory of a process

/** Resident set size of a process, bytes (VmRSS from /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) * 1024 : NaN
}

/** The open-files limit of this process (children inherit it). */
export function openFilesLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))
    return m ? (m[1] === 'unlimited' ? Infinity : Number(m[1])) : NaN
  } catch {
    return NaN
  }
}

/**
 * A full garbage collection in a node process started with `--inspect=127.0.0.1:<port>`, through
 * the DevTools protocol (no change to the process itself), then its V8 heap use.
 */
export async function collectGarbage(inspectPort: number): Promise<{ heapUsed: number; heapTotal: number } | undefined> {
  try {
    const list = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as { webSocketDebuggerUrl: string }[]
    const ws = new WebSocket(list[0].webSocketDebuggerUrl, { perMessageDeflate: false })
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    let id = 0
    const call = (method: string) =>
      new Promise<any>((resolve, reject) => {
        const my = ++id
        const timer = setTimeout(() => reject(new Error(`${method} timed out`)), 60_000)
        const on = (data: WebSocket.RawData) => {
          const m = JSON.parse(data.toString())
          if (m.id !== my) return
          clearTimeout(timer)
          ws.off('message', on)
          resolve(m.result)
        }
        ws.on('message', on)
        ws.send(JSON.stringify({ id: my, method }))
      })
    try {
      await call('HeapProfiler.collectGarbage')
      await call('HeapProfiler.collectGarbage')
      const u = await call('Runtime.getHeapUsage')
      return { heapUsed: u.usedSize, heapTotal: u.totalSize }
    } finally {
      ws.terminate()
    }
  } catch {
    return undefined
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
