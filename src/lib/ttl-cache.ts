/**
 * A small bounded cache whose entries expire. Used on the authentication hot path; when full
 * it drops the oldest insertions first (Map keeps insertion order).
 */
export class TtlCache<V> {
  private readonly map = new Map<string, { value: V; expires: number }>()
  constructor(
    private readonly ttlMs: number,
    private readonly max = 10_000,
  ) {}

  get(key: string, now = Date.now()): V | undefined {
    const hit = this.map.get(key)
    if (!hit) return undefined
    if (hit.expires <= now) {
      this.map.delete(key)
      return undefined
    }
    return hit.value
  }

  set(key: string, value: V, expires = Date.now() + this.ttlMs): void {
    if (this.map.size >= this.max) {
      const oldest = this.map.keys().next().value
      if (oldest !== undefined) this.map.delete(oldest)
    }
    this.map.set(key, { value, expires: Math.min(expires, Date.now() + this.ttlMs) })
  }

  delete(key: string): void {
    this.map.delete(key)
  }

  deleteWhere(pred: (value: V) => boolean): void {
    for (const [k, v] of this.map) if (pred(v.value)) this.map.delete(k)
  }
}
