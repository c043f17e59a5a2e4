import type { Tx } from '../store/db.js'
import type { OpContext } from './context.js'

/**
 * Runs `fn` in one transaction and, only after COMMIT, hands the events it appended to the
 * event sink: nothing is announced that did not commit.
 */
export async function transact<T>(ctx: Pick<OpContext, 'services'>, fn: (tx: Tx) => Promise<T>): Promise<T> {
  let appended: Tx['appended'] = []
  const result = await ctx.services.db.transaction(async (tx) => {
    const r = await fn(tx)
    appended = tx.appended
    return r
  })
  if (appended.length) ctx.services.events.committed(appended)
  return result
}
