import type { Machine } from './machine.js'
import type { BenchOptions } from './options.js'
import type { RateResult, HistoryResult } from '../worker.js'
import type { SeedResult } from './seed-sql.js'
import type { CpuUse } from './cpu.js'

export interface SendPoint extends RateResult {
  concurrency: number
  scenario: 'one' | 'many'
  conversations: number
  cpu?: CpuUse
  /** From the server's /metrics over the measured window. */
  server?: { batches: number; meanBatch: number; serverMeanMs: number }
}

export interface RawPoint extends RateResult {
  concurrency: number
  cpu?: CpuUse
}

export interface StoreResult {
  store: 'pglite' | 'postgres'
  label: string
  provisionSeconds?: number
  send: SendPoint[]
  raw: RawPoint[]
  history?: HistoryResult & { messages: number; limit: number; seed: SeedResult }
  error?: string
}

export interface BenchResult {
  startedAt: string
  finishedAt?: string
  command: string
  smoke: boolean
  options: BenchOptions
  /** Environment given to the server beyond the bench's own settings. */
  serverEnv: Record<string, string>
  machine: Machine
  stores: StoreResult[]
}

const n0 = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '—' : Math.round(n).toLocaleString('en-US'))
const ms = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '—' : n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0))
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || !b ? '—' : (a / b).toFixed(2))

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ') + ' |'
  return [line(head), '|' + w.map((x, i) => (i === 0 ? ':' : '') + '-'.repeat(x + 2 - (i === 0 ? 1 : 1)) + (i === 0 ? '' : ':')).join('|') + '|', ...rows.map(line)].join('\n')
}

/** The per-store tables as Markdown (also fine on a terminal). */
export function renderStore(s: StoreResult, opts: BenchOptions, cpus: number): string {
  const out: string[] = [`### ${s.label}`, '']
  if (s.error) out.push(`**failed:** ${s.error}`, '')
  const concs = [...new Set([...s.send.map((p) => p.concurrency), ...s.raw.map((p) => p.concurrency)])].sort((a, b) => a - b)
  if (concs.length) {
    const manyN = s.send.find((p) => p.scenario === 'many')?.conversations ?? opts.conversations
    out.push(
      `Durable sends over HTTP (each ${opts.duration} s after ${opts.warmup} s warm-up; latency = request start → 201, sent after COMMIT), ` +
        `and raw single-row INSERTs into \`messages\` (autocommit, one client per sender):`,
      '',
    )
    const rows = concs.map((c) => {
      const one = s.send.find((p) => p.concurrency === c && p.scenario === 'one')
      const many = s.send.find((p) => p.concurrency === c && p.scenario === 'many')
      const raw = s.raw.find((p) => p.concurrency === c)
      return [
        String(c),
        n0(one?.perSecond),
        ms(one?.latency.p50Ms),
        ms(one?.latency.p99Ms),
        n0(many?.perSecond),
        ms(many?.latency.p50Ms),
        ms(many?.latency.p99Ms),
        n0(raw?.perSecond),
        ms(raw?.latency.p50Ms),
        ratio(one?.perSecond, raw?.perSecond),
        ratio(many?.perSecond, raw?.perSecond),
      ]
    })
    out.push(
      table(
        ['senders', '1 conv: sends/s', 'p50 ms', 'p99 ms', `${manyN} convs: sends/s`, 'p50 ms', 'p99 ms', 'raw inserts/s', 'raw p50 ms', 'ratio 1 conv', `ratio ${manyN} convs`],
        rows,
      ),
      '',
    )
    const detail = s.send.filter((p) => p.cpu || p.server)
    if (detail.length) {
      out.push(`Where the time went over each measured window (CPU cores used; this machine has ${cpus}; "postgres" sums every postgres process on the machine; txns/s and mean batch: the server's group-commit transactions, from /metrics):`, '')
      out.push(
        table(
          ['point', 'server cores', 'load gen cores', 'postgres cores', 'other cores', 'machine busy', 'txns/s', 'mean batch', 'server mean ms', 'errors'],
          [
            ...detail.map((p) => [
              `${p.scenario === 'one' ? '1 conv' : `${p.conversations} convs`}, ${p.concurrency} senders`,
              p.cpu?.cores.server?.toFixed(2) ?? '—',
              p.cpu?.cores.worker?.toFixed(2) ?? '—',
              s.store === 'postgres' ? (p.cpu?.cores.postgres?.toFixed(2) ?? '—') : 'in server',
              p.cpu?.otherCores.toFixed(2) ?? '—',
              p.cpu ? `${Math.round(p.cpu.machineBusy * 100)} %` : '—',
              n0(p.server ? p.server.batches / p.windowSeconds : undefined),
              p.server ? p.server.meanBatch.toFixed(1) : '—',
              ms(p.server?.serverMeanMs),
              String(p.errors),
            ]),
            ...s.raw.map((p) => [
              `raw inserts, ${p.concurrency} clients`,
              '—',
              p.cpu?.cores.worker?.toFixed(2) ?? '—',
              s.store === 'postgres' ? (p.cpu?.cores.postgres?.toFixed(2) ?? '—') : 'in load gen',
              p.cpu?.otherCores.toFixed(2) ?? '—',
              p.cpu ? `${Math.round(p.cpu.machineBusy * 100)} %` : '—',
              n0(p.perSecond),
              '1.0',
              '—',
              String(p.errors),
            ]),
          ],
        ),
        '',
      )
    }
  }
  const h = s.history
  if (h) {
    out.push(
      `History: ${n0(h.messages)} messages seeded in one conversation in ${h.seed.totalSeconds.toFixed(1)} s ` +
        `(messages ${h.seed.messagesSeconds.toFixed(1)} s, events ${h.seed.eventsSeconds.toFixed(1)} s, commit + ANALYZE ${h.seed.analyzeSeconds.toFixed(1)} s; ` +
        `${h.seed.statements} INSERT statements` +
        (h.seed.messagesTableBytes ? `; messages ${mb(h.seed.messagesTableBytes)}, events ${mb(h.seed.eventsTableBytes!)} with indexes` : '') +
        `). list-messages, limit ${h.limit}, one request at a time:`,
      '',
      table(
        ['pages', 'requests', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
        [
          ['random `before`', n0(h.random.count), ms(h.random.p50Ms), ms(h.random.p90Ms), ms(h.random.p99Ms), ms(h.random.maxMs)],
          ['newest page', n0(h.newest.count), ms(h.newest.p50Ms), ms(h.newest.p90Ms), ms(h.newest.p99Ms), ms(h.newest.maxMs)],
          ['all', n0(h.all.count), ms(h.all.p50Ms), ms(h.all.p90Ms), ms(h.all.p99Ms), ms(h.all.maxMs)],
        ],
      ),
      '',
    )
    if (h.errors || h.wrongPageSize) out.push(`history errors: ${h.errors}, pages of the wrong size: ${h.wrongPageSize} ${h.errorSamples.join(' | ')}`, '')
  }
  const noisy = [...s.send, ...s.raw].filter((p) => p.cpu && p.cpu.otherCores > 0.2)
  if (noisy.length) {
    const worst = Math.max(...noisy.map((p) => p.cpu!.otherCores))
    out.push(
      `**Warning:** other processes on the machine used up to ${worst.toFixed(2)} cores during ${noisy.length} of ${s.send.length + s.raw.length} points ` +
        `(column "other cores"${s.store === 'postgres' ? '; other databases\' backends count under "postgres"' : ''}): those figures understate what Parley and PostgreSQL do on a quiet machine.`,
      '',
    )
  }
  for (const p of [...s.send, ...s.raw]) if (p.errors) out.push(`errors at ${'scenario' in p ? p.scenario + ' ' : 'raw '}${p.concurrency}: ${p.errors} — ${p.errorSamples.join(' | ')}`)
  return out.join('\n')
}

const mb = (b: number) => `${Math.round(b / 2 ** 20).toLocaleString('en-US')} MiB`

export function renderMachine(r: BenchResult): string {
  const m = r.machine
  const lines = [
    `- machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB RAM, ${m.os}`,
    `- Node ${m.node}, PGlite ${m.pglite}` + (m.postgres ? `, PostgreSQL ${m.postgres}` : ''),
  ]
  if (m.postgresSettings) lines.push(`- PostgreSQL settings: ${Object.entries(m.postgresSettings).map(([k, v]) => `${k}=${v}`).join(', ')}`)
  if (m.gitCommit) lines.push(`- Parley at ${m.gitCommit}${m.gitDirty ? ' (src/ has uncommitted changes)' : ''}`)
  if (m.busyBeforeRun !== undefined) lines.push(`- machine busy before the run (1 s sample): ${Math.round(m.busyBeforeRun * 100)} %${m.busyBeforeRun > 0.1 ? ' — NOT QUIET: figures are disturbed by other work' : ''}`)
  if (Object.keys(r.serverEnv).length) lines.push(`- server environment: ${Object.entries(r.serverEnv).map(([k, v]) => `${k}=${v}`).join(' ')}`)
  lines.push(`- command: \`${r.command}\``)
  lines.push(`- started ${r.startedAt}${r.smoke ? ' — SMOKE RUN (short points, small history): not representative figures' : ''}`)
  return lines.join('\n')
}
