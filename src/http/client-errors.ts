import { STATUS_CODES, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyBaseLogger } from 'fastify'
import { invalid, toProblem } from '../ops/errors.js'

/** What Node's HTTP parser or timers refused, as the status and detail to answer. */
function describe(code: string | undefined): { status: number; detail: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, detail: 'the request line and headers are larger than the limit' }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, detail: 'the request did not arrive in time' }
    default:
      return { status: 400, detail: 'the request is not valid HTTP/1.1' }
  }
}

/**
 * Node's 'clientError': a request so broken that no route sees it (a raw 0xff in the path,
 * oversized headers, a timeout). The connection cannot be read any further, so the answer is a
 * complete problem response that says `Connection: close` — a client that kept the connection
 * alive then opens a new one instead of having its next request reset.
 */
export function clientErrorHandler(log: FastifyBaseLogger) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    // A reset connection has nobody to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return
    // Mid-response, another status line would corrupt what the client is reading (Node does the same).
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage
    if (!socket.writable || inFlight?.headersSent) return void socket.destroy()
    const { status, detail } = describe(err.code)
    log.debug({ code: err.code, status }, 'refused a malformed request')
    const body = JSON.stringify(toProblem(invalid(detail, undefined, status)))
    const head = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
      'Connection: close',
      'Content-Type: application/problem+json',
      `Content-Length: ${Buffer.byteLength(body)}`,
    ]
    // Destroyed once the answer is flushed, or after a while if the client does not read it.
    const timer = setTimeout(() => socket.destroy(), 5_000).unref()
    socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => (clearTimeout(timer), socket.destroy()))
  }
}
