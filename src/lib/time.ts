/** RFC 3339 UTC with milliseconds, the wire format of every timestamp. */
export const iso = (d: Date | string | null | undefined): string | undefined =>
  d == null ? undefined : (d instanceof Date ? d : new Date(d)).toISOString()
