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
  /** nats://… (NATS_URL) switches the bus from in-process to NATS, for many nodes (docs/bus.md). */
  natsUrl?: string
  /** Taken from PARLEY_SERVER_KEY, else generated once and kept in the data folder. */
  serverKey?: string
  jwtSecret?: string
  jwksUrl?: string
  jwtAudience?: string
  jwtIssuer?: string
  /** Algorithms accepted from the JWKS; HS256 is the only one accepted with the shared secret. */
  jwksAlgorithms: string[]
  logLevel: string
  /** Bearer token that opens GET /metrics on the main port; unset, it is not served there. */
  metricsToken?: string
  /** Port of a separate listener that serves only GET /metrics, without a token. */
  metricsPort?: number
  /** Where that listener binds; loopback by default so the metrics stay private. */
  metricsHost: string
  /** Largest accepted request body, bytes. */
  bodyLimit: number
  /** Longest message content, characters. */
  maxMessageLength: number
  /**
   * Text search configuration of search-messages (docs/api.md, Search): stems and stop words of
   * this language. A name from the database's pg_ts_config, checked at start. PARLEY_SEARCH_LANGUAGE, default english.
   */
  searchLanguage: string
  /**
   * Whether the search indexes are kept (PARLEY_SEARCH_INDEX, default on). Off, every node drops
   * them at start: sends do not pay for them and search-messages scans instead (small
   * deployments, or measuring what the index costs). The same on every node.
   */
  searchIndex: boolean
  /** How long after sending its author may edit a message (seconds); 0: no limit. */
  editWindowSeconds: number
  /** What delete-message does when the caller names no mode: `soft` leaves a tombstone, `hard` removes the message. */
  deleteMode: DeleteMode
  /** Most sends committed by one group-commit transaction. */
  sendBatchMax: number
  /** Group-commit transactions in flight at once (PostgreSQL; PGlite has one connection). */
  sendConcurrency: number
  /**
   * Where browsers reach the service (PARLEY_PUBLIC_URL); its origin is the service's own for
   * the WebSocket Origin check. Unset, only a loopback Host counts as own (development).
   */
  publicUrl?: string
  /** Browser origins allowed to open the WebSocket (the service's own origin always is). */
  allowedOrigins: string[]
  /** A socket silent longer than this is closed (ms). */
  wsIdleTimeoutMs: number
  /** Largest inbound frame (bytes); larger closes the socket with 1009. */
  wsMaxFrameBytes: number
  /** Inbound frames per second per socket (burst twice that). */
  wsFramesPerSecond: number
  /** Outgoing bytes a socket may have queued before it is closed as a slow consumer. */
  wsMaxBufferedBytes: number
  /** How long a socket may take to send its `auth` frame (ms). */
  wsAuthTimeoutMs: number
  /**
   * Most events `sync` replays for one conversation before answering `reset` instead (1 to
   * 100,000). May exceed sync's per-call budget: such a conversation then arrives in pages.
   */
  syncMaxEventsPerConversation: number
  /**
   * Who participants may look up (docs/api.md, Directory): `open`, everyone active; `shared`,
   * only those they share a conversation with. The server key sees everyone either way.
   */
  directory: DirectoryMode
  /** Prefix of every NATS subject, so several clusters can share one NATS. */
  natsPrefix: string
  /** How often a node checks the log for events whose publish it missed (ms). */
  resyncIntervalMs: number
  /**
   * Domain events on JetStream (docs/domain-events.md): with NATS_URL set, every durable event
   * is published to this stream, unless PARLEY_EVENTS_PUBLISH=off.
   */
  eventsPublish: boolean
  eventsStream: string
  /** Subject prefix of the stream, with its trailing dot: `<prefix><event type>`. */
  eventsSubjectPrefix: string
  /** How long the stream keeps an event (ms); 0 forever. */
  eventsMaxAgeMs: number
  /**
   * Reactions per participant and message (docs/api.md, Reactions and pins): `many`, any number
   * of different emoji; `one`, a new reaction replaces the participant's previous one.
   */
  reactions: ReactionPolicy
  /**
   * Whether Parley writes `kind: "system"` messages for member joined, left, added, removed and
   * conversation renamed (docs/api.md, Threads and system messages). PARLEY_SYSTEM_MESSAGES, default on.
   */
  systemMessages: boolean
}

export type DirectoryMode = 'open' | 'shared'
export type DeleteMode = 'soft' | 'hard'
export type ReactionPolicy = 'many' | 'one'

type Env = Record<string, string | undefined>

function int(env: Env, name: string, dflt: number, min = 0): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return dflt
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`)
  return n
}

/** An integer with an upper bound too, for knobs where a huge value is a mistake, not a choice. */
function intInRange(env: Env, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return dflt
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`)
  return n
}

function onOff(env: Env, name: string, dflt: boolean): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '') return dflt
  if (raw === 'on' || raw === 'off') return raw === 'on'
  throw new Error(`${name} must be on or off, got ${JSON.stringify(raw)}`)
}

/** A duration such as `7d`, `12h`, `30m`, `90s`, `500ms` (or `0`), in milliseconds. */
function duration(env: Env, name: string, dflt: string): number {
  const raw = env[name] || dflt
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(raw.trim())
  if (!m || (!m[2] && m[1] !== '0')) throw new Error(`${name} must be a duration like 7d, 12h, 30m or 90s, got ${JSON.stringify(raw)}`)
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms']!
  return Number(m[1]) * unit
}

function directoryMode(raw: string | undefined): DirectoryMode {
  if (raw === undefined || raw === '') return 'open'
  if (raw === 'open' || raw === 'shared') return raw
  throw new Error(`PARLEY_DIRECTORY must be open or shared, got ${JSON.stringify(raw)}`)
}

function reactionPolicy(raw: string | undefined): ReactionPolicy {
  if (raw === undefined || raw === '') return 'many'
  if (raw === 'many' || raw === 'one') return raw
  throw new Error(`PARLEY_REACTIONS must be many or one, got ${JSON.stringify(raw)}`)
}

function deleteMode(raw: string | undefined): DeleteMode {
  if (raw === undefined || raw === '') return 'soft'
  if (raw === 'soft' || raw === 'hard') return raw
  throw new Error(`PARLEY_DELETE_MODE must be soft or hard, got ${JSON.stringify(raw)}`)
}

/** A text search configuration name; whether the database knows it is checked at start (ensureSearchIndex). */
function searchLanguage(raw: string | undefined): string {
  if (raw === undefined || raw === '') return 'english'
  if (/^[a-z_][a-z0-9_]{0,62}$/.test(raw)) return raw
  throw new Error(`PARLEY_SEARCH_LANGUAGE must be a text search configuration name such as english, simple or french, got ${JSON.stringify(raw)}`)
}

function publicUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined
  if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) throw new Error(`PARLEY_PUBLIC_URL must be an http(s) URL, got ${JSON.stringify(raw)}`)
  return raw
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
    natsUrl: env.NATS_URL || undefined,
    serverKey: env.PARLEY_SERVER_KEY || undefined,
    jwtSecret: env.PARLEY_JWT_SECRET || undefined,
    jwksUrl: env.PARLEY_JWKS_URL || undefined,
    jwtAudience: env.PARLEY_JWT_AUDIENCE || undefined,
    jwtIssuer: env.PARLEY_JWT_ISSUER || undefined,
    jwksAlgorithms: (env.PARLEY_JWKS_ALGORITHMS || 'RS256,ES256').split(',').map((s) => s.trim()).filter(Boolean),
    logLevel: env.LOG_LEVEL || 'info',
    metricsToken: env.PARLEY_METRICS_TOKEN || undefined,
    metricsPort: env.PARLEY_METRICS_PORT ? int(env, 'PARLEY_METRICS_PORT', 0) : undefined,
    metricsHost: env.PARLEY_METRICS_HOST || '127.0.0.1',
    bodyLimit: int(env, 'PARLEY_BODY_LIMIT', 1024 * 1024, 1024),
    maxMessageLength: int(env, 'PARLEY_MAX_MESSAGE_LENGTH', 10_000, 1),
    searchLanguage: searchLanguage(env.PARLEY_SEARCH_LANGUAGE),
    searchIndex: onOff(env, 'PARLEY_SEARCH_INDEX', true),
    editWindowSeconds: int(env, 'PARLEY_EDIT_WINDOW_SECONDS', 0),
    deleteMode: deleteMode(env.PARLEY_DELETE_MODE),
    sendBatchMax: int(env, 'PARLEY_SEND_BATCH_MAX', 256, 1),
    sendConcurrency: int(env, 'PARLEY_SEND_CONCURRENCY', 4, 1),
    publicUrl: publicUrl(env.PARLEY_PUBLIC_URL),
    allowedOrigins: (env.PARLEY_ALLOWED_ORIGINS || '').split(',').map((s) => s.trim().replace(/\/$/, '')).filter(Boolean),
    wsIdleTimeoutMs: int(env, 'PARLEY_WS_IDLE_TIMEOUT_MS', 60_000, 100),
    wsMaxFrameBytes: int(env, 'PARLEY_WS_MAX_FRAME_BYTES', 1024 * 1024, 1024),
    wsFramesPerSecond: int(env, 'PARLEY_WS_FRAMES_PER_SECOND', 50, 1),
    wsMaxBufferedBytes: int(env, 'PARLEY_WS_MAX_BUFFERED_BYTES', 4 * 1024 * 1024, 1024),
    wsAuthTimeoutMs: int(env, 'PARLEY_WS_AUTH_TIMEOUT_MS', 10_000, 100),
    // Past 100,000 missed events a reload (list-messages) is always the cheaper way back.
    syncMaxEventsPerConversation: intInRange(env, 'PARLEY_SYNC_MAX_EVENTS', 500, 1, 100_000),
    directory: directoryMode(env.PARLEY_DIRECTORY),
    resyncIntervalMs: int(env, 'PARLEY_RESYNC_INTERVAL_MS', 2_000, 50),
    natsPrefix: env.PARLEY_NATS_PREFIX || 'parley.',
    eventsPublish: onOff(env, 'PARLEY_EVENTS_PUBLISH', true),
    eventsStream: env.PARLEY_EVENTS_STREAM || 'PARLEY_EVENTS',
    eventsSubjectPrefix: (env.PARLEY_EVENTS_SUBJECT_PREFIX || 'messaging.').replace(/\.?$/, '.'),
    eventsMaxAgeMs: duration(env, 'PARLEY_EVENTS_MAX_AGE', '7d'),
    reactions: reactionPolicy(env.PARLEY_REACTIONS),
    systemMessages: onOff(env, 'PARLEY_SYSTEM_MESSAGES', true),
  }
}
