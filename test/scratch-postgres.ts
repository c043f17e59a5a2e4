/**
 * A PostgreSQL cluster of the test's own, on a free loopback port in a temporary folder, so a
 * test can stop and restart the server under load without touching the shared one that the
 * other test files use. Needs the server binaries (Debian's `postgresql` package); as root the
 * server runs as the `postgres` user, since PostgreSQL refuses to run as root.
 */
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './ports.js'

const PG_LIB = '/usr/lib/postgresql'

/** The directory of the newest installed server binaries, if any. */
export function postgresBinDir(): string | undefined {
  if (!existsSync(PG_LIB)) return undefined
  const versions = readdirSync(PG_LIB).filter((v) => existsSync(join(PG_LIB, v, 'bin', 'initdb')))
  versions.sort((a, b) => Number(b) - Number(a))
  return versions.length ? join(PG_LIB, versions[0], 'bin') : undefined
}

export interface ScratchPostgres {
  url: string
  /** `pg_ctl restart -m fast`: in-flight sessions are terminated (57P01), new ones refused while it restarts. */
  restart(): Promise<void>
  destroy(): void
}

export async function startScratchPostgres(): Promise<ScratchPostgres> {
  const bin = postgresBinDir()
  if (!bin) throw new Error('PostgreSQL server binaries are not installed')
  const dir = mkdtempSync(join(tmpdir(), 'parley-pg-'))
  const data = join(dir, 'data')
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString())
    chownSync(dir, uid, gid)
  }
  const run = (tool: string, args: string[]) => {
    const cmd = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] as const : [join(bin, tool), args] as const
    execFileSync(cmd[0], cmd[1], { stdio: 'pipe', timeout: 60_000 })
  }
  // Asynchronous, so that requests in flight keep running while the server goes down and up.
  const runAsync = async (tool: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args]
    await promisify(execFile)(file, argv, { timeout: 60_000 })
  }
  const port = await freePort()
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-instructions'])
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40`
  const ctlArgs = (action: string, extra: string[] = []) => ['-D', data, '-w', '-t', '60', '-l', join(dir, 'log'), ...extra, action, '-o', opts]
  run('pg_ctl', ctlArgs('start'))
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: () => runAsync('pg_ctl', ctlArgs('restart', ['-m', 'fast'])),
    destroy() {
      try {
        run('pg_ctl', ['-D', data, '-w', '-m', 'immediate', 'stop'])
      } catch {
        /* already stopped */
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
