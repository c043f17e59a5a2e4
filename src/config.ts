/**
 * Configuration from the environment. Every knob has a default that runs Parley embedded
 * (PGlite in ./data, in-process bus) on 127.0.0.1:8080.
 */
export interface Config {
  host: string
  port: number
  dataDir: string
  /** postgres://… switches storage to PostgreSQL. */
  databaseUrl?: string
  dbPoolSize: number
  /** Taken from PARLEY_SERVER_KEY, else generated once and kept in the data folder. */
  serverKey?: string
  jwtSecret?: string
  jwksUrl?: string
  jwtAudience?: string
  jwtIssuer?: string
  /** Algorithms accepted from the JWKS; HS256 is the only one accepted with the shared secret. */
  jwksAlgorithms: string[]
  logLevel: string
  /** Largest accepted request body, bytes. */
  bodyLimit: number
  /** Longest message content, characters. */
  maxMessageLength: number
  /** Most sends committed by one group-commit transaction. */
  sendBatchMax: number
  /** Group-commit transactions in flight at once (PostgreSQL; PGlite has one connection). */
  sendConcurrency: number
  publicUrl?: string
}

type Env = Record<string, string | undefined>

function int(env: Env, name: string, dflt: number, min = 0): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return dflt
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`)
  return n
}

export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = env.DATABASE_URL || undefined
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new Error('DATABASE_URL must start with postgres://')
  return {
    host: env.HOST || '127.0.0.1',
    port: int(env, 'PORT', 8080),
    dataDir: env.PARLEY_DATA_DIR || './data',
    databaseUrl,
    dbPoolSize: int(env, 'PARLEY_DB_POOL_SIZE', 20, 1),
    serverKey: env.PARLEY_SERVER_KEY || undefined,
    jwtSecret: env.PARLEY_JWT_SECRET || undefined,
    jwksUrl: env.PARLEY_JWKS_URL || undefined,
    jwtAudience: env.PARLEY_JWT_AUDIENCE || undefined,
    jwtIssuer: env.PARLEY_JWT_ISSUER || undefined,
    jwksAlgorithms: (env.PARLEY_JWKS_ALGORITHMS || 'RS256,ES256').split(',').map((s) => s.trim()).filter(Boolean),
    logLevel: env.LOG_LEVEL || 'info',
    bodyLimit: int(env, 'PARLEY_BODY_LIMIT', 1024 * 1024, 1024),
    maxMessageLength: int(env, 'PARLEY_MAX_MESSAGE_LENGTH', 10_000, 1),
    sendBatchMax: int(env, 'PARLEY_SEND_BATCH_MAX', 256, 1),
    sendConcurrency: int(env, 'PARLEY_SEND_CONCURRENCY', 4, 1),
    publicUrl: env.PARLEY_PUBLIC_URL || undefined,
  }
}
