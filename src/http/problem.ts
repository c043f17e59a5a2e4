import type { FastifyReply } from 'fastify'
import { STATUS_CODES } from 'node:http'
import { invalid, ParleyError, payloadTooLarge, toParleyError, toProblem, notFound, unavailable } from '../ops/errors.js'

/**
 * Fastify's own errors (body parsing, limits, the router) mapped onto our codes, so that every
 * answer is a problem with a stable `code` — never Fastify's FST_ERR_* shape.
 */
export function fromFastify(err: unknown): ParleyError {
  const e = err as { code?: string; statusCode?: number; message?: string }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return payloadTooLarge('the request body is larger than the limit')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return invalid('the request body must be application/json', undefined, 415)
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalid('the request body is not valid JSON')
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return invalid('the Content-Length header does not match the body')
    case 'FST_ERR_NOT_FOUND':
      return notFound('route')
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_INVALID_URL':
      return invalid('the path is not valid percent-encoded UTF-8')
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return invalid('a path segment is longer than any id the service accepts', undefined, 414)
    case 'FST_ERR_ASYNC_CONSTRAINT':
      // Parley registers no async constraints: this is a bug, not the client's fault.
      return new ParleyError('internal', 'an unexpected error occurred')
  }
  if (err instanceof SyntaxError) return invalid('the request body is not valid JSON')
  if (e.statusCode === 413) return payloadTooLarge('the request body is larger than the limit')
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500 && !(err instanceof ParleyError))
    return invalid(e.message ?? 'bad request', undefined, e.statusCode)
  return toParleyError(err)
}

/** The problem for a bare error status answered without a body; `what` names the request. */
export function fromStatus(status: number, what: string): ParleyError {
  if (status === 404) return notFound(what)
  if (status === 413) return payloadTooLarge('the request body is larger than the limit')
  if (status === 503) return unavailable('the service is not available; retry')
  if (status < 500) return invalid(`${what}: ${STATUS_CODES[status] ?? 'refused'}`, undefined, status)
  return new ParleyError('internal', 'an unexpected error occurred', { status })
}

export function sendProblem(reply: FastifyReply, err: ParleyError): FastifyReply {
  const problem = toProblem(err)
  if (err.options.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.options.retryAfterSeconds))
  return reply.code(problem.status).type('application/problem+json').send(problem)
}
