import { successOf, type AnyOp } from './define-op.js'
import type { Actor, OpContext, Services } from './context.js'
import { forbidden } from './errors.js'
import { validate } from './validate.js'

export interface Invocation {
  services: Services
  actor: Actor
  requestId: string
  input: unknown
}

/**
 * Runs one operation for any transport: the caller-kind gate, input validation, then the
 * handler. Errors propagate as thrown values; transports turn them into problems with
 * `toParleyError` / `toProblem`.
 */
export async function invoke(op: AnyOp, { services, actor, requestId, input }: Invocation): Promise<{ data: unknown; status: number }> {
  if (!op.callers.includes(actor.kind)) {
    throw forbidden(`${op.id} cannot be called with ${describe(actor)}`)
  }
  const data = validate(op.input, input ?? {})
  let log: OpContext['log'] | undefined
  const ctx: OpContext = {
    actor,
    services,
    requestId,
    // Made on first use: most operations never log.
    get log() {
      return (log ??= services.log.child({ reqId: requestId, op: op.id }))
    },
  }
  return successOf(op, await op.run(ctx, data as never))
}

const CALLER_NAMES = { server: 'the server key', user: 'a user token', agent: 'an agent key' } as const
const describe = (a: Actor) => CALLER_NAMES[a.kind]
