import type { FastifyReply } from 'fastify'
import { invalid, ParleyError, payloadTooLarge, toParleyError, toProblem, notFound } from '../ops/errors.js'

/** Fastify's own errors (body parsing, limits) mapped onto our codes. */
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
  }
  if (err instanceof SyntaxError) return invalid('the request body is not valid JSON')
  if (e.statusCode === 413) return payloadTooLarge('the request body is larger than the limit')
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500 && !(err instanceof ParleyError))
    return invalid(e.message ?? 'bad request', undefined, e.statusCode)
  return toParleyError(err)
}

export function sendProblem(reply: FastifyReply, err: ParleyError): FastifyReply {
  const problem = toProblem(err)
  if (err.options.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.options.retryAfterSeconds))
  return reply.code(problem.status).type('application/problem+json').send(problem)
}
