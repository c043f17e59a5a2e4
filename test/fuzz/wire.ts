/**
 * Raw HTTP for the fuzzer and the matrix: exact bytes, exact headers, exact path segments
 * (the harness's `call` encodes and JSON-serializes for you, which is what a fuzzer must not
 * rely on). Requests go through the real Fastify pipeline (inject), or over a real socket.
 */
import { request } from 'undici'
import type { AnyOp } from '../../src/ops/define-op.js'
import { pathParams } from '../../src/ops/define-op.js'
import type { Harness } from '../harness.js'

export interface RawRequest {
  url: string
  /** The whole Authorization header value; none when undefined. */
  authorization?: string
  /** null: send no Content-Type at all. */
  contentType?: string | null
  payload?: string | Buffer
}

export interface Wire {
  status: number
  contentType: string
  text: string
  /** The parsed body, when it is JSON. */
  json?: any
  isJson: boolean
}

function decode(status: number, contentType: string, text: string): Wire {
  try {
    return { status, contentType, text, json: text === '' ? undefined : JSON.parse(text), isJson: text !== '' }
  } catch {
    return { status, contentType, text, isJson: false }
  }
}

function headersOf(req: RawRequest): Record<string, string> {
  const headers: Record<string, string> = {}
  if (req.authorization !== undefined) headers.authorization = req.authorization
  const ct = req.contentType === undefined ? (req.payload === undefined ? null : 'application/json') : req.contentType
  if (ct !== null) headers['content-type'] = ct
  return headers
}

/** Through Fastify's inject: the whole HTTP pipeline (routing, parsing, hooks) without a socket. */
export async function sendRaw(h: Harness, req: RawRequest): Promise<Wire> {
  const res = await h.parley.app.inject({ method: 'POST', url: req.url, headers: headersOf(req), payload: req.payload })
  return decode(res.statusCode, String(res.headers['content-type'] ?? ''), res.body)
}

/** Over a real TCP connection to `baseUrl` (from harness.listen()), the path sent as given. */
export async function sendOverSocket(baseUrl: string, req: RawRequest): Promise<Wire> {
  const res = await request(baseUrl + req.url, { method: 'POST', headers: headersOf(req), body: req.payload })
  const text = await res.body.text()
  return decode(res.statusCode, String(res.headers['content-type'] ?? ''), text)
}

/**
 * encodeURIComponent, except that a lone surrogate (which it refuses) is written as the three
 * bytes it would have in UTF-8 if it were allowed: a client's broken encoder, sent anyway.
 */
export function encodeSegment(s: string): string {
  let out = ''
  for (const ch of s) {
    const c = ch.charCodeAt(0)
    out +=
      ch.length === 1 && c >= 0xd800 && c <= 0xdfff
        ? [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('')
        : encodeURIComponent(ch)
  }
  return out
}

/** The op's URL with each `{param}` replaced by the given segment, verbatim (encode it yourself). */
export function urlOf(op: AnyOp, segments: Record<string, string>): string {
  let url = op.path
  for (const p of pathParams(op.path)) url = url.replace(`{${p}}`, segments[p] ?? '')
  return url
}

/** An input split the way clients send it: path parameters into the path, the rest in the body. */
export function splitInput(op: AnyOp, input: Record<string, unknown>): { segments: Record<string, string>; body: Record<string, unknown> } {
  const body = { ...input }
  const segments: Record<string, string> = {}
  for (const p of pathParams(op.path)) {
    segments[p] = encodeSegment(String(body[p]))
    delete body[p]
  }
  return { segments, body }
}

/** Calls `op` with a well-formed request for `input`, as a client would. */
export function callOp(h: Harness, op: AnyOp, input: Record<string, unknown>, authorization?: string): Promise<Wire> {
  const { segments, body } = splitInput(op, input)
  return sendRaw(h, { url: urlOf(op, segments), authorization, payload: JSON.stringify(body) })
}

export const bearer = (token: string) => `Bearer ${token}`

/** A request and its answer, short enough for a failure message. */
export function describeExchange(req: { url: string; contentType?: string | null; payload?: string | Buffer; authorization?: string }, res: Wire): string {
  const payload = req.payload === undefined ? '(none)' : typeof req.payload === 'string' ? req.payload : `<${req.payload.length} bytes: ${req.payload.subarray(0, 40).toString('hex')}…>`
  const clip = (s: string, n = 400) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s)
  return [
    `request:  POST ${clip(req.url, 200)}  content-type: ${req.contentType === undefined ? '(default)' : String(req.contentType)}  auth: ${req.authorization ? clip(req.authorization, 24) : '(none)'}`,
    `          body: ${clip(JSON.stringify(payload).slice(1, -1))}`,
    `response: ${res.status} ${res.contentType}  ${clip(res.text)}`,
  ].join('\n')
}
