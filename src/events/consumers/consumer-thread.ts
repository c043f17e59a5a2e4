/**
 * Entry point of a node's consumer thread (a worker_threads Worker; see thread.ts). On
 * PostgreSQL the durable consumers run here, with a small pool of their own, so that reading
 * the log, encoding events and talking to NATS never take the main thread's time from requests
 * and sockets. It gets the node's configuration, a wake-up message per burst of commits, and a
 * close message; it answers readiness, lag figures and, at the end, closed.
 */
import { parentPort, workerData } from 'node:worker_threads'
import pino from 'pino'
import type { Config } from '../../config.js'
import { openPostgres } from '../../store/postgres.js'
import { openConsumers } from './definitions.js'
import { ConsumerRunner } from './runner.js'
import type { FromThread, ToThread } from './thread-messages.js'

interface ThreadData {
  config: Config
  node: string
  logLevel: string
}

const port = parentPort!
const { config, node, logLevel } = workerData as ThreadData
const post = (m: FromThread) => port.postMessage(m)
// The runner names the node in its own lines.
const log = pino({ level: logLevel, base: { thread: 'consumers' } }, pino.destination(1))

async function main(): Promise<void> {
  // The schema is the main thread's to migrate; this pool only reads the log and writes positions.
  const db = await openPostgres({ url: withoutSyncCommit(config.databaseUrl!), poolSize: 4 })
  const opened = await openConsumers(config, node, log).catch(async (err) => {
    await db.close()
    throw err
  })
  const listeners = new Set<() => void>()
  const runners = opened.definitions.map((def) =>
    new ConsumerRunner(def, {
      db,
      node,
      log,
      sink: { subscribe: (l) => (listeners.add(l), () => void listeners.delete(l)) },
      lag: { report: (consumer, events, seconds) => post({ type: 'lag', consumer, events, seconds }), clear: (consumer) => post({ type: 'clear', consumer }) },
    }).start(),
  )
  port.on('message', async (m: ToThread) => {
    if (m.type === 'wake') for (const l of listeners) l()
    else if (m.type === 'close') {
      await Promise.all(runners.map((r) => r.close()))
      await opened.close()
      await db.close()
      post({ type: 'closed' })
      port.close()
    }
  })
  post({ type: 'ready' })
}

/**
 * The thread's commits (positions, watermark, failures) do not wait for their WAL flush. A crash
 * can only lose the newest position writes, so a new owner hands some events again: the
 * at-least-once every consumer already tolerates. In exchange these small commits never queue
 * for the disk in front of the sends' own commits.
 */
function withoutSyncCommit(url: string): string {
  const u = new URL(url)
  u.searchParams.set('options', `${u.searchParams.get('options') ?? ''} -c synchronous_commit=off`.trim())
  return u.toString()
}

main().catch((err) => {
  post({ type: 'failed', error: err instanceof Error ? err.message : String(err) })
  log.error({ err }, 'consumer thread: could not start')
  port.close()
})
