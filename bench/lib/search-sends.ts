/** The closed send loop of the search benchmark (bench/search.ts): realistic texts, sends/s and CPU per send. */
import { availableParallelism } from 'node:os'
import { Pool } from 'undici'
import { Samples, nowMs } from './stats.js'
import { cpuBetween, snapshot, type CpuUse } from './cpu.js'
import { CJK_PHRASES, prng, vocabulary } from './search-corpus.js'

/** Message texts like the seeded ones (Zipf words, 3 % Chinese/Japanese), built before the clock starts. */
export function sendBodies(n: number, conversationId: string): string[] {
  const words = vocabulary()
  const rand = prng(7)
  const zipf = () => words[Math.floor(Math.exp((rand(1_000_000) / 1_000_000) * Math.log(words.length + 1))) - 1] ?? words[0]
  return Array.from({ length: n }, (_, i) => {
    const text =
      rand(100) < 3
        ? CJK_PHRASES[rand(CJK_PHRASES.length)] + (i % 2 ? ' ' + zipf() : '')
        : Array.from({ length: 3 + ((i * 31) % 18) }, zipf).join(' ')
    return JSON.stringify({ conversationId, content: text })
  })
}

/**
 * 64 closed-loop senders for `seconds` after 2 s of warm-up; also the CPU the server process and
 * its database backends (`pids`, PostgreSQL) used over the measured window, per send: steadier
 * than sends/s on a machine shared with other work.
 */
export async function closedLoop(
  url: string,
  senders: { token: string }[],
  bodies: string[],
  seconds: number,
  pids: () => Promise<Record<string, number>>,
): Promise<{ perSecond: number; p99Ms: number; errors: number; cpuUsPerSend: number; otherCores: number }> {
  const pool = new Pool(url, { connections: senders.length, pipelining: 1 })
  const samples = new Samples()
  let errors = 0
  let next = 0
  const warmEnd = nowMs() + 2_000
  const end = warmEnd + seconds * 1000
  let counted = 0
  let cpu: Promise<CpuUse> | undefined
  const window = new Promise<void>((resolve) =>
    setTimeout(async () => {
      const a = snapshot(await pids())
      cpu = new Promise((done) => setTimeout(async () => done(cpuBetween(a, snapshot(await pids()))), end - nowMs()))
      resolve()
    }, warmEnd - nowMs()),
  )
  await Promise.all(
    senders.map(async (s) => {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${s.token}` }
      while (nowMs() < end) {
        const body = bodies[next++ % bodies.length]
        const t0 = nowMs()
        const res = await pool.request({ path: '/v1/messages/send', method: 'POST', headers, body })
        await res.body.text()
        const t1 = nowMs()
        if (res.statusCode !== 201) errors++
        else if (t0 >= warmEnd && t1 <= end) {
          counted++
          samples.add(t1 - t0)
        }
      }
    }),
  )
  await pool.close()
  await window
  const use = await cpu!
  const ours = Object.entries(use.cores).filter(([k]) => k !== 'postgres').reduce((a, [, v]) => a + v, 0)
  const hasBackends = Object.keys(use.cores).some((k) => k.startsWith('backend'))
  return {
    perSecond: Math.round(counted / seconds),
    p99Ms: samples.summary().p99Ms,
    errors,
    cpuUsPerSend: counted ? Math.round((ours * use.seconds * 1e6) / counted) : NaN,
    // Everything but the server and, on PostgreSQL, the database server (its total includes the
    // server's backends): this process, the load generator, and whatever else runs on the machine.
    otherCores: Math.max(0, Math.round((use.machineBusy * availableParallelism() - (use.cores.server ?? 0) - (hasBackends ? (use.cores.postgres ?? 0) : 0)) * 100) / 100),
  }
}
