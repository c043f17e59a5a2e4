/**
 * Raw HTTP/1.1 over one TCP connection, for what `inject` cannot show: bytes Node's parser
 * refuses, and whether the server says `Connection: close` before it closes the connection.
 */
import { connect } from 'node:net'

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

export interface RawExchange {
  responses: RawResponse[]
  /** How the connection ended: closed cleanly by the server, or reset. */
  ended: 'closed' | 'reset'
}

/**
 * Writes each request in turn on one kept-alive connection, waiting for an answer (or the end)
 * before the next, and collects every response until the server closes or `idleMs` pass.
 */
export async function rawExchange(baseUrl: string, requests: (string | Buffer)[], idleMs = 1000): Promise<RawExchange> {
  const { hostname, port } = new URL(baseUrl)
  const socket = connect({ host: hostname, port: Number(port) })
  let buf = Buffer.alloc(0)
  let ended: RawExchange['ended'] | undefined
  let wake: () => void = () => {}
  socket.on('data', (d) => ((buf = Buffer.concat([buf, d])), wake()))
  socket.on('error', () => ((ended = 'reset'), wake()))
  socket.on('close', () => ((ended ??= 'closed'), wake()))
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))

  const responses: RawResponse[] = []
  const waitFor = (pred: () => boolean) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, idleMs)
      wake = () => {
        if (pred() || ended) (clearTimeout(timer), resolve())
      }
      wake()
    })
  for (const req of requests) {
    if (ended) break
    const want = responses.length + 1
    socket.write(req)
    await waitFor(() => parse(buf, responses) >= want)
  }
  await waitFor(() => false)
  parse(buf, responses)
  socket.destroy()
  return { responses, ended: ended ?? 'closed' }
}

/** Parses complete responses (Content-Length framed) from `buf` into `out`; answers how many. */
function parse(buf: Buffer, out: RawResponse[]): number {
  out.length = 0
  let at = 0
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', at)
    if (end < 0) break
    const [statusLine, ...lines] = buf.subarray(at, end).toString('latin1').split('\r\n')
    const headers: Record<string, string> = {}
    for (const l of lines) {
      const i = l.indexOf(':')
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim()
    }
    const length = Number(headers['content-length'] ?? 0)
    if (buf.length < end + 4 + length) break
    out.push({ status: Number(statusLine.split(' ')[1]), headers, body: buf.subarray(end + 4, end + 4 + length).toString('utf8') })
    at = end + 4 + length
  }
  return out.length
}

/** A GET request line and headers, as bytes, with an optional raw path. */
export const rawGet = (path: string | Buffer, headers = 'Host: localhost\r\n'): Buffer =>
  Buffer.concat([Buffer.from('GET '), typeof path === 'string' ? Buffer.from(path) : path, Buffer.from(` HTTP/1.1\r\n${headers}\r\n`)])
