import { MAX_NESTING, nestsDeeperThan, tooDeeplyNested } from '../lib/json-nesting.js'
import type { ServerFrame } from '../protocol/frames.js'

/**
 * A call frame's `id` read without parsing the frame: a top-level `"id"` string that comes
 * before any nested value, as the SDK and most clients write it (`{"type","id","op","data"}`).
 * Anchored and without nested quantifiers over the same characters, so it runs in linear time.
 */
const LEADING_ID = /^\s*\{(?:\s*"(?:[^"\\]|\\.)*"\s*:\s*(?:"(?:[^"\\]|\\.)*"|[\w.+-]*)\s*,)*?\s*"id"\s*:\s*"([\w.:-]{1,64})"/

/**
 * The answer to a frame that nests too deep, decided on the raw text before JSON.parse, or
 * undefined when the frame may be parsed. The envelope is one level, so a call's `data` may nest
 * MAX_NESTING deep, exactly like an HTTP body. The refusal is a `result` for the call when its
 * id can be read, so the caller's promise settles; an `error` frame otherwise. Not retryable:
 * the same frame fails the same way.
 */
export function deepFrameAnswer(raw: string): ServerFrame | undefined {
  if (!nestsDeeperThan(raw, MAX_NESTING + 1)) return undefined
  const e = tooDeeplyNested('data')
  const id = LEADING_ID.exec(raw)?.[1]
  if (!id) return { type: 'error', error: { code: e.code, detail: e.detail } }
  return { type: 'result', id, ok: false, error: { code: e.code, detail: e.detail, errors: e.options.errors, retryable: e.retryable } }
}
