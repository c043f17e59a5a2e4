import { invalidField, type ParleyError } from '../ops/errors.js'

/**
 * The deepest that objects and arrays may nest in an operation's input, the input itself being
 * level 1 (`{"a":{"b":1}}` is 2). Far more than any real input needs, and far less than what
 * overflows the stack of a recursive walk (a few thousand levels) — ours or a library's.
 */
export const MAX_NESTING = 32

/**
 * Whether JSON text nests objects and arrays deeper than `limit`, found by one pass over the
 * characters — no parse, no recursion — so it can run before anything else looks at the text.
 * Brackets inside strings do not count; a string is skipped with `indexOf` to its closing quote
 * (one not preceded by an odd run of backslashes), which keeps long contents nearly free: on a
 * 1 MB message the check costs under 1 % of the JSON.parse that follows (bench/input-guard.ts).
 * Text that is not JSON may answer either way; the parse that follows refuses it.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0
  const n = text.length
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22 /* " */) {
      let j = i
      for (;;) {
        j = text.indexOf('"', j + 1)
        if (j < 0) return false
        let k = j - 1
        while (text.charCodeAt(k) === 0x5c /* \ */) k--
        if ((j - 1 - k) % 2 === 0) break // an even run of backslashes: this quote ends the string
      }
      i = j
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limit) return true
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--
  }
  return false
}

export const tooDeeplyNested = (path: string): ParleyError =>
  invalidField(path, `must not nest objects and arrays more than ${MAX_NESTING} levels deep`)
