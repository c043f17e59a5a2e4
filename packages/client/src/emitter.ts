/** A minimal typed event emitter (no Node `events` dependency, so the SDK runs in browsers). */
export class Emitter<M extends { [K in keyof M]: unknown }> {
  private readonly handlers = new Map<keyof M, Set<(payload: never) => void>>()

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof M>(name: K, handler: (payload: M[K]) => void): () => void {
    let set = this.handlers.get(name)
    if (!set) this.handlers.set(name, (set = new Set()))
    set.add(handler as (payload: never) => void)
    return () => this.off(name, handler)
  }

  off<K extends keyof M>(name: K, handler: (payload: M[K]) => void): void {
    this.handlers.get(name)?.delete(handler as (payload: never) => void)
  }

  /** Calls every handler; one that throws does not stop the others (its error is reported). */
  emit<K extends keyof M>(name: K, payload: M[K], onError?: (err: unknown) => void): void {
    const set = this.handlers.get(name)
    if (!set) return
    for (const h of [...set]) {
      try {
        ;(h as (p: M[K]) => void)(payload)
      } catch (err) {
        onError?.(err)
      }
    }
  }
}
