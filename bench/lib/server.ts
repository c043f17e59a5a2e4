import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { children } from './cleanup.js'

export interface ServerHandle {
  url: string
  pid: number
  child: ChildProcess
  stop(): Promise<void>
}

export interface ServerSpec {
  root: string
  mode: 'dist' | 'tsx'
  dataDir: string
  serverKey: string
  databaseUrl?: string
  /** Extra environment (PARLEY_* knobs), passed through. */
  env?: Record<string, string>
  /** Extra node arguments (before the script), e.g. ['--cpu-prof']. */
  nodeArgs?: string[]
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      s.close(() => resolve(port))
    })
  })
}

/**
 * Starts Parley in its own process and resolves once it prints where it listens. The child's
 * PID is registered for cleanup, so an aborted bench still stops it.
 */
export async function startServer(spec: ServerSpec): Promise<ServerHandle> {
  const port = await freePort()
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PARLEY_DATA_DIR: spec.dataDir,
    PARLEY_SERVER_KEY: spec.serverKey,
    // The bench reads /metrics on the main port; the server key doubles as the metrics token.
    PARLEY_METRICS_TOKEN: spec.serverKey,
    LOG_LEVEL: 'warn',
    ...(spec.databaseUrl ? { DATABASE_URL: spec.databaseUrl } : {}),
    ...spec.env,
  }
  const args = [...(spec.nodeArgs ?? []), ...(spec.mode === 'dist' ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'])]
  const child = spawn(process.execPath, args, { cwd: spec.root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  if (!child.pid) throw new Error('could not start the Parley server')
  const pid = child.pid
  children.add(child)
  let log = ''
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8000)
  }
  child.stderr!.on('data', keep)
  const url = `http://127.0.0.1:${port}`
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the server did not start within 120 s')), 120_000)
      child.stdout!.on('data', (chunk: Buffer) => {
        keep(chunk)
        if (log.includes('Parley listening on')) {
          clearTimeout(timer)
          resolve()
        }
      })
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`the server exited before listening (code ${code}, signal ${signal})`))
      })
    })
  } catch (err) {
    await stopChild(child)
    throw new Error(`${(err as Error).message}\n--- server output ---\n${log}`)
  }
  // The server's later warn/error lines are shown as they come: a failing point is then explained.
  child.stdout!.removeAllListeners('data')
  child.stdout!.on('data', (c: Buffer) => process.stderr.write(`[server] ${c}`))
  child.stderr!.removeAllListeners('data')
  child.stderr!.on('data', (c: Buffer) => process.stderr.write(`[server] ${c}`))
  return { url, pid, child, stop: () => stopChild(child) }
}

/** SIGTERM, then SIGKILL after 15 s; resolves when the process is gone. */
export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      children.delete(child)
      return resolve()
    }
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000)
    child.once('exit', () => {
      clearTimeout(kill)
      children.delete(child)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
