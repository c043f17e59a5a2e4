import { ParleyError } from './errors.js'
import { opRoutes } from './ops.gen.js'
import type { FetchLike } from './platform.js'
import type { TokenSource } from './token-source.js'

/**
 * Calls an operation over HTTP: `POST <path>` with `{param}` segments filled from the input
 * (and taken out of the body), the rest as the JSON body, `Authorization: Bearer`.
 * A 401 with a `getToken` callback fetches a fresh token and tries once more.
 */
export async function callHttp(
  fetch: FetchLike,
  baseUrl: string,
  tokens: TokenSource,
  op: keyof typeof opRoutes,
  input: Record<string, unknown>,
): Promise<unknown> {
  const route = opRoutes[op]
  if (!route) throw new ParleyError('not_found', `unknown operation ${String(op)}`, { retryable: false })
  const body: Record<string, unknown> = { ...input }
  let path: string = route.path
  for (const p of route.params as readonly string[]) {
    const v = body[p]
    if (typeof v !== 'string' || v === '') {
      throw new ParleyError('validation_failed', `${p}: is required (path parameter of ${op})`, { errors: [{ path: p, message: 'is required' }] })
    }
    path = path.replace(`{${p}}`, encodeURIComponent(v))
    delete body[p]
  }
  const url = baseUrl.replace(/\/+$/, '') + path
  const send = async (token: string) => {
    try {
      return await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      })
    } catch (err) {
      throw new ParleyError('network_error', `POST ${path}: ${(err as Error)?.message ?? String(err)}`, { cause: err })
    }
  }
  let token = await tokens.current()
  let res = await send(token)
  if (res.status === 401 && tokens.canRefresh) {
    await res.text().catch(() => '')
    await tokens.refresh(token)
    token = await tokens.current()
    res = await send(token)
  }
  const text = await res.text()
  let json: unknown = undefined
  if (text) {
    try {
      json = JSON.parse(text)
    } catch {
      json = text
    }
  }
  if (res.ok) return json
  throw ParleyError.fromProblem(res.status, json, res.headers.get('retry-after'))
}
