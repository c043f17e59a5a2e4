import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../config.js'

describe('config: domain events on JetStream', () => {
  it('defaults: on, PARLEY_EVENTS, messaging., 7 days', () => {
    const c = loadConfig({})
    expect([c.eventsPublish, c.eventsStream, c.eventsSubjectPrefix, c.eventsMaxAgeMs]).toEqual([true, 'PARLEY_EVENTS', 'messaging.', 7 * 86_400_000])
  })

  it('reads the variables; a missing trailing dot is added to the prefix', () => {
    const c = loadConfig({ PARLEY_EVENTS_PUBLISH: 'off', PARLEY_EVENTS_STREAM: 'S', PARLEY_EVENTS_SUBJECT_PREFIX: 'app.events', PARLEY_EVENTS_MAX_AGE: '12h' })
    expect([c.eventsPublish, c.eventsStream, c.eventsSubjectPrefix, c.eventsMaxAgeMs]).toEqual([false, 'S', 'app.events.', 12 * 3_600_000])
    for (const [v, ms] of [['90s', 90_000], ['30m', 1_800_000], ['500ms', 500], ['0', 0]] as const) expect(loadConfig({ PARLEY_EVENTS_MAX_AGE: v }).eventsMaxAgeMs).toBe(ms)
  })

  it('refuses what it cannot read', () => {
    for (const v of ['7', '7w', '-1d', 'soon']) expect(() => loadConfig({ PARLEY_EVENTS_MAX_AGE: v }), v).toThrow(/PARLEY_EVENTS_MAX_AGE must be a duration/)
    expect(() => loadConfig({ PARLEY_EVENTS_PUBLISH: 'yes' })).toThrow(/PARLEY_EVENTS_PUBLISH must be on or off/)
  })
})
