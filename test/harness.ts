/**
 * Test harness: a real Parley (real HTTP pipeline through Fastify's inject, real store) per
 * test file and store. `describeStores` runs a suite on PGlite and, when
 * PARLEY_TEST_DATABASE_URL is set, on a fresh PostgreSQL database too.
 */
import { afterAll, beforeAll, describe } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import pino from 'pino'
import { createParley, type Parley } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'
import { openStore } from '../src/store/open.js'
import type { Db } from '../src/store/db.js'
import type { StoredEvent } from '../src/events/event-types.js'
import { validateEvent } from '../src/events/catalogue/validate.js'
import { findOp } from '../src/ops/registry.js'
import { pathParams } from '../src/ops/define-op.js'

export type StoreKind = 'pglite' | 'postgres'

export const storeKinds: StoreKind[] = ['pglite', ...(process.env.PARLEY_TEST_DATABASE_URL ? (['postgres'] as const) : [])]

export interface Response<T = any> {
  status: number
  body: T
  headers: Record<string, string | string[] | undefined>
}

export interface TestUser {
  id: string
  token: string
}

export interface TestAgent {
  id: string
  ownerId: string
  apiKey: string
  token: string
}

/** A fresh PostgreSQL database for one test file; dropped afterwards. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.PARLEY_TEST_DATABASE_URL!
  const name = `parley_t_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: base })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(base)
  url.pathname = '/' + name
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base })
      await c.connect()
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await c.end()
    },
  }
}

export async function openTestStore(kind: StoreKind): Promise<{ db: Db; url?: string; close(): Promise<void> }> {
  if (kind === 'pglite') {
    const db = await openStore({})
    return { db, close: () => db.close() }
  }
  const tdb = await createTestDatabase()
  const db = await openStore({ databaseUrl: tdb.url, poolSize: 10 })
  return {
    db,
    url: tdb.url,
    async close() {
      await db.close()
      await tdb.drop()
    },
  }
}

export interface HarnessOptions {
  /** A logger of the test's own (to read what the service logs); silent otherwise. */
  log?: pino.Logger
}

export class Harness {
  readonly events: StoredEvent[] = []
  /**
   * Committed events whose payload does not match the event catalogue. `describeStores` fails
   * the suite when any were recorded, so every test that emits an event checks its schema.
   */
  readonly catalogueViolations: string[] = []
  private counter = 0

  private constructor(
    readonly kind: StoreKind,
    readonly parley: Parley,
    readonly serverKey: string,
    private readonly cleanup: () => Promise<void>,
  ) {
    parley.services.events.subscribe((evs) => {
      this.events.push(...evs)
      for (const e of evs) {
        const problems = validateEvent(e.type, e.data)
        if (problems.length) this.catalogueViolations.push(`${e.type} (seq ${e.seq}): ${problems.join('; ')} in ${JSON.stringify(e.data).slice(0, 300)}`)
      }
    })
  }

  static async start(kind: StoreKind, overrides: Partial<Config> = {}, opts: HarnessOptions = {}): Promise<Harness> {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-test-'))
    const store = await openTestStore(kind)
    // The store's URL too: what runs beside the main thread (the consumer thread) opens its own pool.
    const config = { ...loadConfig({ PARLEY_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), databaseUrl: store.url, ...overrides }
    const parley = await createParley(config, { db: store.db, log: opts.log ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) })
    await parley.app.ready()
    return new Harness(kind, parley, parley.services.config.serverKey!, async () => {
      await parley.close()
      await store.close()
      rmSync(dataDir, { recursive: true, force: true })
    })
  }

  private baseUrl?: string

  /** Listens on a free loopback port (for real sockets) and answers the base URL. */
  async listen(): Promise<string> {
    this.baseUrl ??= await this.parley.app.listen({ host: '127.0.0.1', port: 0 })
    return this.baseUrl
  }

  get db(): Db {
    return this.parley.services.db
  }

  close() {
    return this.cleanup()
  }

  /** A unique id for this harness, readable in failures. */
  uid(prefix = 'u') {
    return `${prefix}_${++this.counter}_${randomBytes(3).toString('hex')}`
  }

  /** Raw HTTP request through the real Fastify pipeline. */
  async http(method: 'GET' | 'POST' | 'PUT', url: string, opts: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) }
    if (opts.token) headers.authorization = `Bearer ${opts.token}`
    let payload: string | undefined = opts.rawBody
    if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body)
      headers['content-type'] ??= 'application/json'
    } else if (payload !== undefined) headers['content-type'] ??= 'application/json'
    const res = await this.parley.app.inject({ method, url, headers, payload })
    let body: unknown = res.body
    try {
      body = res.body ? JSON.parse(res.body) : undefined
    } catch {
      /* not JSON */
    }
    return { status: res.statusCode, body, headers: res.headers as Response['headers'] }
  }

  /**
   * Calls an operation by id, as a client would: path parameters are taken out of `data` and put
   * into the path, the rest is the JSON body.
   */
  async call<T = any>(opId: string, data: Record<string, unknown>, token: string | undefined): Promise<Response<T>> {
    const op = findOp(opId)
    if (!op) throw new Error(`no op ${opId}`)
    const body = { ...data }
    let path = op.path
    for (const p of pathParams(op.path)) {
      path = path.replace(`{${p}}`, encodeURIComponent(String(body[p])))
      delete body[p]
    }
    return this.http('POST', path, { token, body })
  }

  /** Calls and insists on a 2xx answer; returns the body. */
  async ok<T = any>(opId: string, data: Record<string, unknown>, token: string | undefined): Promise<T> {
    const res = await this.call<T>(opId, data, token)
    if (res.status >= 300) throw new Error(`${opId} answered ${res.status}: ${JSON.stringify(res.body)}`)
    return res.body
  }

  async user(name = 'User'): Promise<TestUser> {
    const id = this.uid('u')
    await this.ok('upsert-user', { id, name: `${name} ${id}` }, this.serverKey)
    const { token } = await this.ok('create-token', { userId: id }, this.serverKey)
    return { id, token }
  }

  /** An agent owned by `owner`, created through create-agent; `token` is its agent key. */
  async agent(owner: TestUser, name = 'Agent'): Promise<TestAgent> {
    const { agent, apiKey } = await this.ok('create-agent', { name }, owner.token)
    return { id: agent.id, ownerId: owner.id, apiKey, token: apiKey }
  }

  async users(n: number): Promise<TestUser[]> {
    const out: TestUser[] = []
    for (let i = 0; i < n; i++) out.push(await this.user())
    return out
  }

  /** Events seen since `mark` (an index into `events`), optionally of one conversation. */
  eventsSince(mark: number, conversationId?: string): StoredEvent[] {
    return this.events.slice(mark).filter((e) => !conversationId || e.conversationId === conversationId)
  }
}

/** Runs `fn` once per configured store, each with its own running Parley. */
export function describeStores(name: string, fn: (h: () => Harness, kind: StoreKind) => void, overrides: Partial<Config> = {}, opts: HarnessOptions = {}) {
  for (const kind of storeKinds) {
    describe(`${name} [${kind}]`, () => {
      let h: Harness
      beforeAll(async () => {
        h = await Harness.start(kind, overrides, opts)
      }, 60_000)
      afterAll(async () => {
        const violations = h?.catalogueViolations ?? []
        await h?.close()
        if (violations.length) throw new Error(`events not matching the catalogue (src/events/catalogue/):\n${violations.join('\n')}`)
      })
      fn(() => h, kind)
    })
  }
}
