import type { Static, TObject, TSchema } from '@sinclair/typebox'
import type { CallerKind, OpContext } from './context.js'

/**
 * One client-facing operation, defined once. The HTTP route, the WebSocket command and the
 * OpenAPI document all derive from this object.
 *
 * `path` is the HTTP path; `{name}` segments are path parameters and must be properties of
 * `input` (over the WebSocket they travel inside `data`). `callers` is the first gate of
 * authorization; finer rules (membership, ownership) live in `run`, through `load…For…`.
 */
export interface Op<I extends TObject = TObject, O extends TSchema = TSchema> {
  id: string
  path: string
  tag: string
  summary: string
  description?: string
  callers: readonly CallerKind[]
  input: I
  output: O
  /** HTTP status of success; 200 unless the op creates something. */
  status?: number
  run(ctx: OpContext, input: Static<I>): Promise<Static<O>>
}

export type AnyOp = Op<TObject, TSchema>

export function defineOp<I extends TObject, O extends TSchema>(op: Op<I, O>): Op<I, O> {
  for (const p of pathParams(op.path)) {
    if (!(p in op.input.properties)) throw new Error(`op ${op.id}: path parameter {${p}} is not in its input`)
  }
  return op
}

export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])
}
