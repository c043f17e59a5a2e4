import { describe, expect, it } from 'vitest'
import { toParleyError } from './errors.js'

/** A pg error as the driver hands it over: an Error with the server's SQLSTATE in `code`. */
const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code })

describe('store errors are the store’s availability, not bugs', () => {
  // What a PostgreSQL restart, failover or overload throws at requests in flight.
  it.each([
    ['57P01', 'terminating connection due to administrator command'],
    ['57P02', 'terminating connection due to crash of another server process'],
    ['57P03', 'the database system is shutting down'],
    ['57P03', 'the database system is starting up'],
    ['53300', 'sorry, too many clients already'],
    ['53200', 'out of memory'],
    ['08006', 'connection failure'],
    ['08003', 'connection does not exist'],
    ['40001', 'could not serialize access'],
    ['40P01', 'deadlock detected'],
    ['55P03', 'lock not available'],
    ['57014', 'canceling statement due to statement timeout'],
  ])('SQLSTATE %s (%s) is 503 unavailable with Retry-After', (code, message) => {
    const e = toParleyError(pgError(code, message))
    expect(e.code).toBe('unavailable')
    expect(e.status).toBe(503)
    expect(e.retryable).toBe(true)
    expect(e.options.retryAfterSeconds).toBeGreaterThanOrEqual(1)
  })

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated',
    'Client has encountered a connection error and is not queryable',
    'timeout exceeded when trying to connect',
    'Connection terminated due to connection timeout',
  ])('the driver’s own connection error “%s” is 503 unavailable', (message) => {
    const e = toParleyError(new Error(message))
    expect(e.code).toBe('unavailable')
    expect(e.options.retryAfterSeconds).toBeGreaterThanOrEqual(1)
  })

  it.each(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'])('socket error %s is 503 unavailable', (code) => {
    expect(toParleyError(pgError(code)).code).toBe('unavailable')
  })

  it('a bug stays a bug: unknown errors are internal and not mistaken for unavailability', () => {
    expect(toParleyError(new TypeError('cannot read properties of undefined')).code).toBe('internal')
    expect(toParleyError(pgError('42P01', 'relation does not exist')).code).toBe('internal')
    expect(toParleyError(new Error('Connection refused by the application')).code).toBe('internal')
  })
})
