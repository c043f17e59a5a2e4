import { describe, expect, it } from 'vitest'
import { Backoff } from './backoff.js'
import { ParleyError } from './errors.js'

describe('Backoff', () => {
  it('full jitter: uniform below a ceiling that doubles from 250 ms up to 30 s; reset starts over', () => {
    const b = new Backoff({ random: () => 0.999999 })
    const delays = Array.from({ length: 10 }, () => b.next())
    expect(delays).toEqual([249, 499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 29999])
    b.reset()
    expect(b.next()).toBe(249)
    expect(new Backoff({ random: () => 0 }).next()).toBe(0)
  })
})

describe('ParleyError', () => {
  it('parses problem+json, status-only answers and result-frame errors', () => {
    const p = ParleyError.fromProblem(400, { type: 't', title: 'Validation failed', status: 400, code: 'validation_failed', detail: 'content: too long', errors: [{ path: 'content', message: 'too long' }] })
    expect(p).toMatchObject({ code: 'validation_failed', status: 400, detail: 'content: too long', errors: [{ path: 'content', message: 'too long' }], retryable: false })
    expect(ParleyError.fromProblem(429, { code: 'rate_limited', detail: 'slow down' }, '3')).toMatchObject({ retryable: true, retryAfterSeconds: 3 })
    expect(ParleyError.fromProblem(502, '<html>bad gateway</html>')).toMatchObject({ code: 'internal', status: 502, retryable: true })
    expect(ParleyError.fromFrame({ code: 'forbidden', detail: 'not a member', retryable: false })).toMatchObject({ code: 'forbidden', status: 403, retryable: false })
  })
})
