/**
 * Test helpers for the bus: the implementations the contract suite runs against, a log that
 * remembers, and `waitFor`. Excluded from the build (tsconfig.build.json) like every test-fixtures.ts.
 */
import { randomBytes } from 'node:crypto'
import type { Bus, BusLog } from './bus.js'
import { MemoryBus, MemoryHub } from './memory-bus.js'
import { NatsBus, type NatsBusOptions } from './nats-bus.js'

export const testNatsUrl = process.env.PARLEY_TEST_NATS_URL || undefined

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error'
  obj: object
  msg?: string
}

/** A BusLog that keeps what it is told; printed too when TEST_LOG_LEVEL=debug. */
export function recordingLog(): BusLog & { entries: LogEntry[] } {
  const entries: LogEntry[] = []
  const echo = process.env.TEST_LOG_LEVEL === 'debug'
  const at = (level: LogEntry['level']) => (obj: object, msg?: string) => {
    entries.push({ level, obj, msg })
    if (echo) console.log(level, msg, obj)
  }
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

/**
 * Makes the buses of one test: `node()` is one more node of the same cluster. Memory nodes
 * share a hub; NATS nodes are separate connections under a prefix unique to the test, so
 * parallel runs on one NATS never meet.
 */
export interface BusCluster {
  node(log?: BusLog): Promise<Bus>
  closeAll(): Promise<void>
}

export interface BusImpl {
  name: 'memory' | 'nats'
  cluster(): BusCluster
}

export const memoryImpl: BusImpl = {
  name: 'memory',
  cluster() {
    const hub = new MemoryHub()
    const open: Bus[] = []
    return {
      async node(log = recordingLog()) {
        const bus = new MemoryBus({ hub, log })
        open.push(bus)
        return bus
      },
      closeAll: () => Promise.all(open.map((b) => b.close())).then(() => undefined),
    }
  },
}

export function natsImpl(url: string, extra: Partial<NatsBusOptions> = {}): BusImpl {
  return {
    name: 'nats',
    cluster() {
      const prefix = `ptest_${randomBytes(4).toString('hex')}.`
      const open: Bus[] = []
      return {
        async node(log = recordingLog()) {
          const bus = await NatsBus.connect({ url, prefix, log, name: 'parley-test', ...extra })
          open.push(bus)
          return bus
        },
        closeAll: () => Promise.all(open.map((b) => b.close())).then(() => undefined),
      }
    },
  }
}

/** Every implementation available here: memory always, NATS when PARLEY_TEST_NATS_URL is set. */
export const busImpls: BusImpl[] = [memoryImpl, ...(testNatsUrl ? [natsImpl(testNatsUrl)] : [])]

/**
 * Resolves once `predicate()` holds, checking after every macrotask turn (so I/O and timers
 * make progress); rejects with `what` after `timeoutMs`. Not a sleep: it returns as soon as
 * the condition is met.
 */
export async function waitFor(predicate: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`waitFor: ${what} not met within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 2))
  }
}

/** Collects what a handler receives. */
export function collector() {
  const got: Array<{ subject: string; payload: string }> = []
  return {
    got,
    handler: (payload: string, subject: string) => void got.push({ subject, payload }),
    payloads: () => got.map((m) => m.payload),
    subjects: () => got.map((m) => m.subject),
  }
}
