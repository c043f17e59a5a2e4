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
 * Brackets inside strings do not count. Text that is not JSON may answer either way; the parse
 * that follows refuses it.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22 /* " */) {
      // Skip the string: to its closing quote, stepping over escapes.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i)
        if (d === 0x5c /* \ */) i++
        else if (d === 0x22) break
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limit) return true
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--
  }
  return false
}

export const tooDeeplyNested = (path: string): ParleyError =>
  invalidField(path, `must not nest objects and arrays more than ${MAX_NESTING} levels deep`)
