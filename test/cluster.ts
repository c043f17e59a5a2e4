/**
 * Several Parley nodes sharing one PostgreSQL database and one bus: NATS when
 * PARLEY_TEST_NATS_URL is set (a prefix unique to the cluster), otherwise in-process buses
 * sharing a MemoryHub. Each node listens on its own loopback port.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import pino from 'pino'
import { createParley, type Parley } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'
import { MemoryBus, MemoryHub, NatsBus, type Bus } from '../src/events/bus/index.js'
import { createTestDatabase } from './harness.js'

export interface ClusterNode {
  parley: Parley
  url: string
}

export interface TestCluster {
  nodes: ClusterNode[]
  databaseUrl: string
  serverKey: string
  jwtSecret: string
  prefix: string
  /** Adds a node; `bus` overrides the node's bus (e.g. one that loses publishes). */
  addNode(opts?: { wrapBus?: (bus: Bus) => Bus; config?: Partial<Config> }): Promise<ClusterNode>
  close(): Promise<void>
}

export async function startCluster(n: number, config: Partial<Config> = {}): Promise<TestCluster> {
  const tdb = await createTestDatabase()
  const serverKey = 'psk_cluster_' + randomBytes(8).toString('hex')
  const jwtSecret = randomBytes(32).toString('base64url')
  const prefix = `t${randomBytes(4).toString('hex')}.`
  const memoryHub = new MemoryHub()
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
  const dirs: string[] = []
  const buses: Bus[] = []
  const cluster: TestCluster = {
    nodes: [],
    databaseUrl: tdb.url,
    serverKey,
    jwtSecret,
    prefix,
    async addNode(opts = {}) {
      const dataDir = mkdtempSync(join(tmpdir(), 'parley-node-'))
      dirs.push(dataDir)
      const natsUrl = process.env.PARLEY_TEST_NATS_URL
      const raw: Bus = natsUrl ? await NatsBus.connect({ url: natsUrl, prefix, log }) : new MemoryBus({ log, hub: memoryHub })
      buses.push(raw)
      const bus = opts.wrapBus ? opts.wrapBus(raw) : raw
      const cfg = {
        ...loadConfig({ PARLEY_DATA_DIR: dataDir, DATABASE_URL: tdb.url, PARLEY_SERVER_KEY: serverKey, PARLEY_JWT_SECRET: jwtSecret }),
        dbPoolSize: 5,
        resyncIntervalMs: 200,
        ...config,
        ...opts.config,
      }
      const parley = await createParley(cfg, { log, bus })
      const url = await parley.app.listen({ host: '127.0.0.1', port: 0 })
      const node = { parley, url }
      cluster.nodes.push(node)
      return node
    },
    async close() {
      for (const node of cluster.nodes) await node.parley.close()
      for (const b of buses) await b.close()
      await tdb.drop()
      for (const d of dirs) rmSync(d, { recursive: true, force: true })
    },
  }
  for (let i = 0; i < n; i++) await cluster.addNode()
  return cluster
}

/** A tiny HTTP client for a node. */
export async function api(node: ClusterNode, opId: string, path: string, token: string, body: unknown = {}): Promise<any> {
  const res = await fetch(node.url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const json = await res.json()
  if (!res.ok) throw new Error(`${opId} → ${res.status} ${JSON.stringify(json)}`)
  return json
}
