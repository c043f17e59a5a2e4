import { randomBytes } from 'node:crypto'

/**
 * UUIDv7 (RFC 9562): 48-bit millisecond time, then randomness. Ids sort roughly by creation
 * time, which keeps the btree indexes they live in append-mostly.
 */
const POOL_SIZE = 16 * 256
let pool = randomBytes(POOL_SIZE)
let offset = 0

/** 16 random bytes, drawn from a pool refilled 256 ids at a time (one syscall, not 256). */
function random16(): Buffer {
  if (offset + 16 > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE)
    offset = 0
  }
  const b = Buffer.from(pool.subarray(offset, offset + 16))
  offset += 16
  return b
}

export function uuidv7(now = Date.now()): string {
  const b = random16()
  b.writeUIntBE(now, 0, 6)
  b[6] = (b[6] & 0x0f) | 0x70
  b[8] = (b[8] & 0x3f) | 0x80
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
const UUID_RE = new RegExp(UUID_PATTERN)
export const isUuid = (s: string) => UUID_RE.test(s)
