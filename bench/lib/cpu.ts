import { readFileSync, readdirSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { availableParallelism } from 'node:os'

/**
 * CPU use over a window, from /proc (Linux): the whole machine, given processes, and every
 * process named `postgres` (all backends of the server, other users' included).
 */
let ticksPerSecond = 100
try {
  ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100
} catch {
  /* keep 100 */
}

export interface CpuSnapshot {
  at: number
  machineBusy: number
  machineTotal: number
  procs: Map<string, number>
  postgres: Map<number, number>
}

function procTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // Fields after the name: state is [0]; utime is field 14 overall → [11], stime [12].
    return Number(f[11]) + Number(f[12])
  } catch {
    return 0
  }
}

/** Ticks of every process named postgres, by pid (a backend that exits between two snapshots must not count negative). */
function postgresTicks(): Map<number, number> {
  const out = new Map<number, number>()
  let entries: string[] = []
  try {
    entries = readdirSync('/proc')
  } catch {
    return out
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue
    try {
      if (readFileSync(`/proc/${e}/comm`, 'utf8').trim() === 'postgres') out.set(Number(e), procTicks(Number(e)))
    } catch {
      /* gone */
    }
  }
  return out
}

export function snapshot(pids: Record<string, number | undefined>): CpuSnapshot {
  let machineBusy = 0
  let machineTotal = 0
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
    // user nice system idle iowait irq softirq steal …
    machineTotal = cpu.slice(0, 8).reduce((a, b) => a + b, 0)
    machineBusy = machineTotal - cpu[3] - cpu[4]
  } catch {
    /* not Linux */
  }
  const procs = new Map<string, number>()
  for (const [name, pid] of Object.entries(pids)) if (pid) procs.set(name, procTicks(pid))
  return { at: performance.now(), machineBusy, machineTotal, procs, postgres: postgresTicks() }
}

/** CPU use between two snapshots, in cores (1.0 = one core fully busy). */
export interface CpuUse {
  seconds: number
  /** Busy fraction of the whole machine, 0..1. */
  machineBusy: number
  /** Cores used per named process, and by all postgres processes. */
  cores: Record<string, number>
  /** Cores used by everything else on the machine (other users' work disturbs the figures). */
  otherCores: number
}

export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot): CpuUse {
  const seconds = (b.at - a.at) / 1000
  const cores: Record<string, number> = {}
  for (const [name, t] of b.procs) cores[name] = r2(Math.max(0, t - (a.procs.get(name) ?? t)) / ticksPerSecond / seconds)
  let pgTicks = 0
  for (const [pid, t] of b.postgres) pgTicks += Math.max(0, t - (a.postgres.get(pid) ?? 0))
  cores.postgres = r2(pgTicks / ticksPerSecond / seconds)
  const total = b.machineTotal - a.machineTotal
  const busy = total > 0 ? (b.machineBusy - a.machineBusy) / total : NaN
  const ours = Object.values(cores).reduce((x, y) => x + y, 0)
  return { seconds: r2(seconds), machineBusy: r2(busy), cores, otherCores: r2(Math.max(0, busy * availableParallelism() - ours)) }
}

/** Machine-wide busy fraction over `ms` milliseconds (a quietness check before measuring). */
export async function machineBusyOver(ms: number): Promise<number> {
  const a = snapshot({})
  await new Promise((r) => setTimeout(r, ms))
  return cpuBetween(a, snapshot({})).machineBusy
}

const r2 = (n: number) => Math.round(n * 100) / 100
