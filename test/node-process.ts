/** One Parley node in its own process (as `npm start` runs it, from source through tsx), to be killed. */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export async function startNodeProcess(env: Record<string, string>): Promise<{ proc: ChildProcess; url: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-node-'))
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, ...env, HOST: '127.0.0.1', PORT: '0', PARLEY_DATA_DIR: dataDir, LOG_LEVEL: env.LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  proc.on('exit', () => rmSync(dataDir, { recursive: true, force: true }))
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const t = setTimeout(() => reject(new Error(`node did not start: ${out}`)), 30_000)
    proc.stdout!.on('data', (d) => {
      out += d
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(t)
        resolve(m[1])
      }
    })
    proc.stderr!.on('data', (d) => (out += d))
    proc.on('exit', (code) => reject(new Error(`node exited (${code}): ${out}`)))
  })
  return { proc, url }
}

export async function post(url: string, path: string, token: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, body: await res.json() }
}
