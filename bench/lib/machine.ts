import { readFileSync } from 'node:fs'
import { availableParallelism, totalmem, release, platform } from 'node:os'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

export interface Machine {
  cpus: number
  cpuModel: string
  memoryGiB: number
  os: string
  node: string
  pglite: string
  postgres?: string
  postgresSettings?: Record<string, string>
  gitCommit?: string
  gitDirty?: boolean
  /** Busy fraction of the whole machine over 1 s just before the run. */
  busyBeforeRun?: number
}

export function machineInfo(root: string): Machine {
  let cpuModel = 'unknown'
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown'
  } catch {
    /* not Linux */
  }
  let pglite = 'unknown'
  try {
    pglite = JSON.parse(readFileSync(join(root, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')).version
  } catch {
    /* keep unknown */
  }
  let gitCommit: string | undefined
  let gitDirty: boolean | undefined
  try {
    gitCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()
    gitDirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() !== ''
  } catch {
    /* not a git checkout */
  }
  return {
    cpus: availableParallelism(),
    cpuModel,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    pglite,
    gitCommit,
    gitDirty,
  }
}

/** Settings that decide what a durable commit costs, and the server's version. */
export const PG_SETTINGS = ['server_version', 'fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes', 'commit_delay', 'shared_buffers', 'max_connections', 'wal_level']
