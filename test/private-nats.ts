/**
 * A nats-server with JetStream of the test's own, on a free loopback port with its store in a
 * temporary folder, so a test can stop and start it (the stream survives: same folder) without
 * touching the shared server. Needs the nats-server binary (Debian's `nats-server`).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const natsServerBin = ['/usr/sbin', '/usr/local/bin', '/usr/bin', ...(process.env.PATH ?? '').split(':')]
  .map((dir) => join(dir, 'nats-server'))
  .find((p) => existsSync(p))

export class PrivateNats {
  private proc: ChildProcess | undefined
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<PrivateNats> {
    const s = new PrivateNats(await freePort(), mkdtempSync(join(tmpdir(), 'parley-nats-')))
    await s.start()
    return s
  }

  get url() {
    return `nats://127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    this.proc = spawn(natsServerBin!, ['-js', '-sd', this.dir, '-a', '127.0.0.1', '-p', String(this.port)], { stdio: 'ignore' })
    const deadline = Date.now() + 10_000
    while (!(await accepts(this.port))) {
      if (Date.now() > deadline) throw new Error(`nats-server did not start on ${this.port}`)
      await new Promise((r) => setTimeout(r, 10))
    }
  }

  /** SIGKILL: no goodbye to the clients, as when the machine dies. */
  async stop(): Promise<void> {
    const p = this.proc
    this.proc = undefined
    if (!p || p.exitCode !== null) return
    const exited = new Promise((r) => p.once('exit', r))
    p.kill('SIGKILL')
    await exited
  }

  async destroy(): Promise<void> {
    await this.stop()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.once('connect', () => (s.destroy(), resolve(true)))
    s.once('error', () => resolve(false))
  })
}
