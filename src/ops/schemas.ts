import { Type, type TProperties, type TSchema } from '@sinclair/typebox'
import { UUID_PATTERN } from '../lib/ids.js'

/** An input object: unknown fields are refused so a client's typo never silently does nothing. */
export const Input = <P extends TProperties>(props: P, description?: string) =>
  Type.Object(props, { additionalProperties: false, ...(description ? { description } : {}) })

/** Ids Parley generates (conversations, messages): UUIDs. */
export const Uuid = (description?: string) => Type.String({ pattern: UUID_PATTERN, description })

/**
 * Ids of participants are the app's own: 1–128 characters of letters, digits and `_ . : @ + = | -`
 * (safe in a URL path segment).
 */
export const PARTICIPANT_ID_PATTERN = '^[A-Za-z0-9_.:@+=|-]{1,128}$'
export const ParticipantId = (description?: string) =>
  Type.String({ pattern: PARTICIPANT_ID_PATTERN, maxLength: 128, description })

/**
 * A position in a conversation's log, as input. Bounded by the largest integer a JSON number
 * carries exactly (and far below PostgreSQL's bigint), so a huge one is refused on its field.
 */
export const Seq = (description?: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description })

export const Timestamp = (description?: string) => Type.String({ format: 'date-time', description })

/** Free-form JSON object an app attaches to its own records; at most 8 KiB serialized. */
export const METADATA_MAX_BYTES = 8 * 1024
export const Metadata = () =>
  Type.Record(Type.String({ maxLength: 128 }), Type.Unknown(), {
    description: `free-form JSON object, at most ${METADATA_MAX_BYTES} bytes serialized`,
    maxProperties: 64,
  })

export const Name = (max = 200) => Type.String({ minLength: 1, maxLength: max })
export const Url = () => Type.String({ format: 'uri', maxLength: 2048, pattern: '^https?://' })

export const Limit = (dflt = 50, max = 200) =>
  Type.Integer({ minimum: 1, maximum: max, description: `page size, default ${dflt}, at most ${max}` })
export const Cursor = () => Type.String({ maxLength: 512, description: 'opaque cursor from a previous page' })

/** `{ data, page }` with an opaque cursor for the next page. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    data: Type.Array(item),
    page: Type.Object({
      nextCursor: Type.Optional(Type.String({ description: 'pass as `cursor` to get the next page' })),
      hasMore: Type.Boolean(),
    }),
  })

export const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()])
