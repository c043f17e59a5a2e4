import { invalidField } from '../ops/errors.js'
import { isUuid } from './ids.js'

/**
 * Opaque page cursors: base64url JSON of the keyset position. Clients must not build them, so
 * a cursor that does not decode to the expected shape is a validation error on `cursor` —
 * never a value that reaches SQL with the wrong type.
 */
export function encodeCursor(position: (string | number | undefined)[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url')
}

/** What each position of a cursor must be. */
export type CursorPart = 'string' | 'timestamp' | 'uuid'

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)$/

const fits: Record<CursorPart, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  timestamp: (v) => typeof v === 'string' && TIMESTAMP.test(v) && !Number.isNaN(Date.parse(v.replace(' ', 'T'))),
  uuid: (v) => typeof v === 'string' && isUuid(v),
}

export function decodeCursor<const S extends readonly CursorPart[]>(cursor: string, shape: S): { -readonly [K in keyof S]: string } {
  let v: unknown
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    v = undefined
  }
  if (!Array.isArray(v) || v.length !== shape.length || !shape.every((part, i) => fits[part](v[i]))) {
    throw invalidField('cursor', 'is not a cursor this service issued')
  }
  return v as { -readonly [K in keyof S]: string }
}
