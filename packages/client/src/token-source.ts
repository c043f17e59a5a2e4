/**
 * The credential the client presents: a fixed token, or `getToken()` called when none is held
 * and again after the server refuses one (an expired JWT), so the app mints a fresh one.
 */
export class TokenSource {
  private token: string | undefined
  private pending: Promise<string> | undefined

  constructor(
    token: string | undefined,
    private readonly getToken?: () => string | Promise<string>,
  ) {
    this.token = token
    if (token === undefined && !getToken) throw new TypeError('ParleyClient needs `token` or `getToken`')
  }

  get canRefresh(): boolean {
    return this.getToken !== undefined
  }

  async current(): Promise<string> {
    if (this.token !== undefined) return this.token
    return this.fetch()
  }

  /** Drops `stale` and fetches a new one; false when there is no `getToken`. */
  async refresh(stale: string): Promise<boolean> {
    if (!this.getToken) return false
    // Several calls refused at once ask once.
    if (this.token === stale) this.token = undefined
    await this.current()
    return true
  }

  private fetch(): Promise<string> {
    this.pending ??= Promise.resolve()
      .then(() => this.getToken!())
      .then(
        (t) => {
          this.token = t
          this.pending = undefined
          return t
        },
        (err: unknown) => {
          this.pending = undefined
          throw err
        },
      )
    return this.pending
  }
}
