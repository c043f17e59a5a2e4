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
/**
 * Success statuses by outcome, for an operation whose success depends on what it found, e.g.
 * `{ created: 201, existing: 200 }`: its handler answers `{ outcome, data }` naming one of them,
 * and the transport maps the outcome through this declaration. Operations name outcomes, never
 * HTTP statuses: over the WebSocket only `data` is answered.
 */
export type Outcomes = Readonly<Record<string, number>>

/** What the handler of an operation with declared outcomes answers. */
export interface WithOutcome<K extends string, T> {
  outcome: K
  data: T
}

/** The handler's answer: the output, or the output with its outcome when the op declares outcomes. */
export type RunResult<O extends TSchema, S> = S extends Outcomes ? WithOutcome<keyof S & string, Static<O>> : Static<O>

export interface Op<I extends TObject = TObject, O extends TSchema = TSchema, S extends number | Outcomes = number> {
  id: string
  path: string
  tag: string
  summary: string
  description?: string
  callers: readonly CallerKind[]
  input: I
  output: O
  /**
   * HTTP status of success: one (200 unless the op creates something), or one per outcome
   * (`Outcomes`) when it depends on what the op found.
   */
  status?: S
  run(ctx: OpContext, input: Static<I>): Promise<RunResult<O, S>>
}

// `any` for the outcomes: a list of ops mixes both kinds; `invoke` tells them apart at run time.
export type AnyOp = Op<TObject, TSchema, any>

export function defineOp<I extends TObject, O extends TSchema, S extends number | Outcomes = number>(op: Op<I, O, S>): Op<I, O, S> {
  if (typeof op.status === 'object' && !Object.keys(op.status).length) throw new Error(`op ${op.id}: declare at least one outcome`)
  for (const p of pathParams(op.path)) {
    if (!(p in op.input.properties)) throw new Error(`op ${op.id}: path parameter {${p}} is not in its input`)
  }
  return op
}

export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])
}

/** Every status the op may succeed with, in declaration order (the OpenAPI document lists each). */
export function successStatuses(op: Pick<AnyOp, 'status'>): { status: number; outcome?: string }[] {
  if (typeof op.status === 'object') return Object.entries(op.status as Outcomes).map(([outcome, status]) => ({ status, outcome }))
  return [{ status: op.status ?? 200 }]
}

/** The transport's view of a handler's answer: its data and the status of its outcome. */
export function successOf(op: Pick<AnyOp, 'id' | 'status'>, result: unknown): { data: unknown; status: number } {
  if (typeof op.status !== 'object') return { data: result, status: op.status ?? 200 }
  const { outcome, data } = result as WithOutcome<string, unknown>
  const status = (op.status as Outcomes)[outcome]
  // A handler naming an outcome its op does not declare is a bug, not a client's error.
  if (status === undefined) throw new Error(`op ${op.id}: outcome ${String(outcome)} is not declared`)
  return { data, status }
}
