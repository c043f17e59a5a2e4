import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Secret {
  value: string
  /** True when this start generated it (so it is printed once). */
  generated: boolean
}

/**
 * The configured secret, or one generated on first start and kept in the data folder with
 * owner-only permissions so that restarts keep it.
 */
export function loadOrCreateSecret(dataDir: string, file: string, configured: string | undefined, prefix = ''): Secret {
  if (configured) return { value: configured, generated: false }
  const path = join(dataDir, file)
  try {
    const value = readFileSync(path, 'utf8').trim()
    if (value) return { value, generated: false }
  } catch {
    /* first start */
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const value = prefix + randomBytes(32).toString('base64url')
  writeFileSync(path, value + '\n', { mode: 0o600, flag: 'wx' })
  chmodSync(path, 0o600)
  return { value, generated: true }
}
