import type { OpContext } from '../ops/context.js'

/**
 * Whose view of the directory a look-up takes, as `visibleTo` (users.sql.ts) expects it: null —
 * everyone — for the server key and in the `open` directory; in the `shared` one, the caller.
 */
export function directoryViewer(ctx: OpContext): string | null {
  if (ctx.actor.kind === 'server' || ctx.services.config.directory === 'open') return null
  return ctx.actor.id
}
