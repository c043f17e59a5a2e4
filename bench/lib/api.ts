import { Pool } from 'undici'

/** A small JSON client for provisioning (not for measuring: the worker has its own loop). */
export class Api {
  private readonly pool: Pool

  constructor(readonly url: string) {
    this.pool = new Pool(url, { connections: 8, headersTimeout: 120_000, bodyTimeout: 120_000 })
  }

  async call<T = any>(path: string, token: string, body: unknown, expect: number[] = [200, 201]): Promise<T> {
    const res = await this.pool.request({
      path,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    })
    const text = await res.body.text()
    if (!expect.includes(res.statusCode)) throw new Error(`POST ${path} answered ${res.statusCode}: ${text.slice(0, 500)}`)
    return (text ? JSON.parse(text) : undefined) as T
  }

  async get(path: string, token?: string): Promise<string> {
    const res = await this.pool.request({ path, method: 'GET', headers: token ? { authorization: `Bearer ${token}` } : {} })
    const text = await res.body.text()
    if (res.statusCode !== 200) throw new Error(`GET ${path} answered ${res.statusCode}: ${text.slice(0, 300)}`)
    return text
  }

  close(): Promise<void> {
    return this.pool.close()
  }
}

/** Runs `fn` over `items` with at most `n` at once. */
export async function mapLimit<T, R>(items: T[], n: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        out[i] = await fn(items[i], i)
      }
    }),
  )
  return out
}

export interface Provisioned {
  owner: { id: string; token: string }
  senders: { id: string; token: string }[]
  /** The single shared conversation. */
  one: string
  /** The many conversations (every sender is a member of each). */
  many: string[]
  /** Conversation the history benchmark seeds and reads. */
  history: string
  /** Scratch conversation for the raw insert rate. */
  raw: string
}

/**
 * Users, tokens and conversations through the API with the server key: `senders` users, an
 * owner who creates every conversation, one shared conversation, `conversations` more, one for
 * history and one scratch conversation for raw inserts. Every sender is a member of all of them.
 */
export async function provision(api: Api, serverKey: string, senders: number, conversations: number): Promise<Provisioned> {
  const ttlSeconds = 7 * 86_400
  const ids = ['bench_owner', ...Array.from({ length: senders }, (_, i) => `bench_s${String(i).padStart(4, '0')}`)]
  const users = await mapLimit(ids, 8, async (id) => {
    await api.call('/v1/users/upsert', serverKey, { id, name: id === 'bench_owner' ? 'Bench owner' : `Bench sender ${id.slice(7)}` })
    const { token } = await api.call<{ token: string }>('/v1/auth/tokens/create', serverKey, { userId: id, ttlSeconds })
    return { id, token }
  })
  const [owner, ...senderUsers] = users
  const members = senderUsers.map((u) => u.id)
  const maxMembers = members.length + 1
  const create = async (name: string) => {
    const body: Record<string, unknown> = { type: 'group', name, members }
    // Groups hold 100 members by default.
    if (maxMembers > 100) body.settings = { maxMembers }
    const conv = await api.call<{ id: string }>('/v1/conversations/create', owner.token, body)
    return conv.id
  }
  const one = await create('bench one')
  const many = await mapLimit(Array.from({ length: conversations }, (_, i) => i), 4, (i) => create(`bench many ${i}`))
  const history = await create('bench history')
  const raw = await create('bench raw inserts')
  return { owner, senders: senderUsers, one, many, history, raw }
}
