import { describe, expect, it } from 'vitest'
import { loadConfig } from './config.js'

describe('config: PARLEY_SYNC_MAX_EVENTS', () => {
  it('defaults to 500 and accepts 1 to 100,000, above the per-call budget too (sync pages)', () => {
    expect(loadConfig({}).syncMaxEventsPerConversation).toBe(500)
    for (const v of ['1', '2000', '5000', '100000']) expect(loadConfig({ PARLEY_SYNC_MAX_EVENTS: v }).syncMaxEventsPerConversation).toBe(Number(v))
  })

  it('refuses values out of range at start, naming the variable and the range', () => {
    for (const v of ['0', '-5', '100001', '1e9', '2.5', 'lots']) {
      expect(() => loadConfig({ PARLEY_SYNC_MAX_EVENTS: v }), v).toThrow(/PARLEY_SYNC_MAX_EVENTS must be an integer from 1 to 100000/)
    }
  })
})

describe('config: PARLEY_DIRECTORY', () => {
  it('defaults to open and accepts open or shared', () => {
    expect(loadConfig({}).directory).toBe('open')
    expect(loadConfig({ PARLEY_DIRECTORY: 'open' }).directory).toBe('open')
    expect(loadConfig({ PARLEY_DIRECTORY: 'shared' }).directory).toBe('shared')
  })

  it('refuses anything else at start', () => {
    for (const v of ['Shared', 'closed', 'none', ' open']) {
      expect(() => loadConfig({ PARLEY_DIRECTORY: v }), v).toThrow(/PARLEY_DIRECTORY must be open or shared/)
    }
  })
})
