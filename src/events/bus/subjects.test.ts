/** Subject rules in isolation; that both buses apply them alike is bus-contract.test.ts's job. */
import { describe, expect, it } from 'vitest'
import { checkSubject, normalizePrefix, subjectToken } from './subjects.js'

describe('subject prefix', () => {
  it('gets a trailing dot and must be literal', () => {
    expect(normalizePrefix('parley')).toBe('parley.')
    expect(normalizePrefix('parley.prod.')).toBe('parley.prod.')
    expect(normalizePrefix('')).toBe('')
    expect(() => normalizePrefix('parley.*')).toThrow(TypeError)
  })
})

describe('subjectToken', () => {
  it('passes safe ids and encodes the rest into one distinct, valid token', () => {
    expect(subjectToken('0190f3a2-7a1b-7c00-8000-aa11bb22cc33')).toBe('0190f3a2-7a1b-7c00-8000-aa11bb22cc33')
    expect(subjectToken('ann.lee')).toBe('~YW5uLmxlZQ')
    const ids = ['a.b', 'a*', '>', 'with space', 'é', '~x', 'x']
    const tokens = ids.map(subjectToken)
    expect(new Set(tokens).size).toBe(ids.length)
    for (const t of tokens) expect(() => checkSubject(`presence.${t}`, false)).not.toThrow()
  })
})
