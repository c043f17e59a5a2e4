import { METADATA_MAX_BYTES } from './schemas.js'
import { invalidField } from './errors.js'

/** The byte cap on a metadata object, which JSON Schema cannot express. */
export function checkMetadata(path: string, value: unknown): void {
  // JSON.stringify recurses; it only ever sees validated input, nested at most MAX_NESTING deep.
  if (value !== undefined && Buffer.byteLength(JSON.stringify(value)) > METADATA_MAX_BYTES) {
    throw invalidField(path, `must be at most ${METADATA_MAX_BYTES} bytes when serialized`)
  }
}
