import { SUPPORTED_PROTOCOLS } from '../protocol/frames.js'

/**
 * Whether a client's stated protocol version (`?protocol=` on the upgrade, `protocol` in the
 * `auth` frame) is one this server speaks. Nothing stated counts as the current version, so
 * clients from before versions were stated keep working; anything else that is not a
 * supported integer (`2`, `abc`, `1.5`, repeated query values) is refused.
 */
export function protocolSupported(stated: unknown): boolean {
  if (stated === undefined) return true
  const n = typeof stated === 'number' ? stated : typeof stated === 'string' && /^\d{1,6}$/.test(stated) ? Number(stated) : NaN
  return SUPPORTED_PROTOCOLS.includes(n)
}
