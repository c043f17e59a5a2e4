import { invalidField } from '../ops/errors.js'

/**
 * Opaque page cursors: base64url JSON of the keyset position. Clients must not build them;
 * a cursor that does not decode is a validation error on `cursor`.
 */
export function encodeCursor(position: unknown[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url')
}

export function decodeCursor(cursor: string, arity: number): unknown[] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(v) && v.length === arity) return v
  } catch {
    /* fall through */
  }
  throw invalidField('cursor', 'is not a cursor this service issued')
}
