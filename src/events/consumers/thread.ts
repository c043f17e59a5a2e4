import { Worker } from 'node:worker_threads'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import type { Logger } from 'pino'
import type { Config } from '../../config.js'
import type { EventSink } from '../event-sink.js'
import type { LagReporter } from './lag-metrics.js'
import type { FromThread, ToThread } from './thread-messages.js'

/** Source files run under tsx (tests, `npm run dev`); the built ones are plain JavaScript. */
const fromSource = import.meta.url.endsWith('.ts')
const ENTRY = new URL(fromSource ? './consumer-thread.ts' : './consumer-thread.js', import.meta.url)

/**
 * From source, the thread loads its entry through tsx's API: a worker does not inherit the
 * parent's module hooks, and `--import tsx` in its execArgv is not applied to workers on
 * Node 20.
 */
function sourceBootstrap(): string {
  // require.resolve finds the CommonJS build; the ES module one sits beside it.
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href
  return `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(ENTRY.href)}, ${JSON.stringify(import.meta.url)}))`
}
const RESTART_MS = 1_000
const CLOSE_TIMEOUT_MS = 15_000

export interface ConsumerThread {
  close(): Promise<void>
}

/**
 * Runs the node's durable consumers in a thread of their own (PostgreSQL only: PGlite lives in
 * the main thread's memory). Commits on this node wake it at once, at most one message per
 * tick however many transactions committed in it; its lag figures land in the node's
 * registry. If the thread dies it is started again after a second; meanwhile its lease
 * simply lapses to another node, as with any node that stops.
 */
export async function startConsumerThread(opts: { config: Config; node: string; log: Logger; events: EventSink; lag: LagReporter }): Promise<ConsumerThread> {
  const { log, lag } = opts
  let worker: Worker | undefined
  let closing = false
  let restart: NodeJS.Timeout | undefined
  let wakePending = false
  const send = (m: ToThread) => worker?.postMessage(m)

  const spawn = () =>
    new Promise<void>((resolve, reject) => {
      const workerData = { config: opts.config, node: opts.node, logLevel: log.level }
      const w = fromSource ? new Worker(sourceBootstrap(), { eval: true, workerData }) : new Worker(ENTRY, { workerData })
      worker = w
      let started = false
      w.on('message', (m: FromThread) => {
        if (m.type === 'ready') (started = true), resolve()
        else if (m.type === 'failed') reject(new Error(`consumer thread: ${m.error}`))
        else if (m.type === 'lag') lag.report(m.consumer, m.events, m.seconds)
        else if (m.type === 'clear') lag.clear(m.consumer)
      })
      w.on('error', (err) => {
        log.error({ err }, 'consumer thread failed')
        if (!started) reject(err)
      })
      w.on('exit', (code) => {
        if (worker === w) worker = undefined
        if (!started) return reject(new Error(`consumer thread exited with code ${code} before it was ready`))
        if (closing) return
        log.error({ code }, 'consumer thread exited; starting it again')
        restart = setTimeout(() => spawn().catch((err) => log.error({ err }, 'consumer thread: restart failed')), RESTART_MS)
      })
    })

  await spawn()
  const unsubscribe = opts.events.subscribe(() => {
    if (wakePending) return
    wakePending = true
    queueMicrotask(() => {
      wakePending = false
      send({ type: 'wake' })
    })
  })
  return {
    async close() {
      closing = true
      clearTimeout(restart)
      unsubscribe()
      const w = worker
      if (!w) return
      const done = new Promise<void>((resolve) => {
        w.on('message', (m: FromThread) => m.type === 'closed' && resolve())
        w.once('exit', () => resolve())
      })
      send({ type: 'close' })
      const timer = setTimeout(() => void w.terminate(), CLOSE_TIMEOUT_MS)
      await done
      clearTimeout(timer)
      await w.terminate()
    },
  }
}
