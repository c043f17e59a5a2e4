/**
 * NATS_URL → connection options. The NATS client takes `host:port` servers and separate
 * credentials; operators write URLs. Accepted:
 *
 * - `nats://127.0.0.1:4222` (scheme optional, port defaults to 4222)
 * - `nats://a:4222,nats://b:4222` several seed servers of one cluster, comma separated
 * - `nats://user:password@host:4222` user and password; `nats://token@host:4222` a token.
 *   Credentials, if any, must be the same on every listed server.
 * - `tls://host:4222` requires TLS.
 */
export interface NatsTarget {
  servers: string[]
  user?: string
  pass?: string
  token?: string
  tls: boolean
}

export function parseNatsUrl(natsUrl: string): NatsTarget {
  const parts = natsUrl.split(',').map((s) => s.trim()).filter(Boolean)
  if (parts.length === 0) throw new Error('NATS_URL is empty')
  const target: NatsTarget = { servers: [], tls: false }
  for (const part of parts) {
    const withScheme = /^[a-z]+:\/\//i.test(part) ? part : `nats://${part}`
    let url: URL
    try {
      url = new URL(withScheme)
    } catch {
      throw new Error(`NATS_URL has an invalid server ${JSON.stringify(redactNatsUrl(part))}`)
    }
    if (url.protocol !== 'nats:' && url.protocol !== 'tls:') throw new Error(`NATS_URL must use nats:// or tls://, got ${url.protocol}//`)
    if (url.protocol === 'tls:') target.tls = true
    if (!url.hostname) throw new Error(`NATS_URL has a server with no host: ${JSON.stringify(redactNatsUrl(part))}`)
    target.servers.push(`${url.hostname}:${url.port || '4222'}`)
    const user = decodeURIComponent(url.username)
    const pass = decodeURIComponent(url.password)
    if (user && pass) Object.assign(target, { user, pass })
    else if (user) target.token = user
  }
  return target
}

/** The server and credential options of `connect()` for a target: what every connection of a node shares. */
export function natsServerOptions(target: NatsTarget) {
  return { servers: target.servers, user: target.user, pass: target.pass, token: target.token, ...(target.tls ? { tls: {} } : {}) }
}

/** The URL with any credentials replaced, fit for logs and errors. */
export function redactNatsUrl(natsUrl: string): string {
  return natsUrl.replace(/\/\/[^@/,]*@/g, '//[redacted]@')
}
