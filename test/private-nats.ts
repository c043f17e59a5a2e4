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
import { freePort } from './ports.js'

export const natsServerBin = ['/usr/sbin', '/usr/local/bin', '/usr/bin', ...(process.env.PATH ?? '').split(':')]
  .map((dir) => join(dir, 'nats-server'))
  .find((p) => existsSync(p))

export interface PrivateNatsOptions {
  /** Run with JetStream (default true). */
  jetstream?: boolean
  /** How `stop()` ends the server: SIGKILL (default) as when the machine dies, SIGTERM for a clean shutdown. */
  stopSignal?: 'SIGKILL' | 'SIGTERM'
}

export class PrivateNats {
  private proc: ChildProcess | undefined
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly opts: Required<PrivateNatsOptions>,
  ) {}

  static async start(opts: PrivateNatsOptions = {}): Promise<PrivateNats> {
    const s = new PrivateNats(await freePort(), mkdtempSync(join(tmpdir(), 'parley-nats-')), { jetstream: true, stopSignal: 'SIGKILL', ...opts })
    await s.start()
    return s
  }

  get url() {
    return `nats://127.0.0.1:${this.port}`
  }

  /** The running server's process id (benchmarks read its CPU use). */
  get pid(): number | undefined {
    return this.proc?.pid
  }

  async start(): Promise<void> {
    const js = this.opts.jetstream ? ['-js', '-sd', this.dir] : []
    this.proc = spawn(natsServerBin!, [...js, '-a', '127.0.0.1', '-p', String(this.port)], { stdio: 'ignore' })
    const deadline = Date.now() + 10_000
    while (!(await accepts(this.port))) {
      if (Date.now() > deadline) throw new Error(`nats-server did not start on ${this.port}`)
      await new Promise((r) => setTimeout(r, 10))
    }
  }

  /** Ends the server with the configured signal (SIGKILL: no goodbye to the clients). */
  async stop(): Promise<void> {
    const p = this.proc
    this.proc = undefined
    if (!p || p.exitCode !== null) return
    const exited = new Promise((r) => p.once('exit', r))
    p.kill(this.opts.stopSignal)
    await exited
  }

  /** Stops it and removes its store. */
  async destroy(): Promise<void> {
    await this.stop()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.once('connect', () => (s.destroy(), resolve(true)))
    s.once('error', () => resolve(false))
  })
}
