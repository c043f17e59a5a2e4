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

describe('config: PARLEY_REACTIONS', () => {
  it('defaults to many and accepts many or one', () => {
    expect(loadConfig({}).reactions).toBe('many')
    expect(loadConfig({ PARLEY_REACTIONS: 'many' }).reactions).toBe('many')
    expect(loadConfig({ PARLEY_REACTIONS: 'one' }).reactions).toBe('one')
  })

  it('refuses anything else at start', () => {
    for (const v of ['One', 'single', '1', ' many']) {
      expect(() => loadConfig({ PARLEY_REACTIONS: v }), v).toThrow(/PARLEY_REACTIONS must be many or one/)
    }
  })
})

describe('config: PARLEY_EDIT_WINDOW_SECONDS and PARLEY_DELETE_MODE', () => {
  it('default to no edit window and soft deletes', () => {
    expect(loadConfig({})).toMatchObject({ editWindowSeconds: 0, deleteMode: 'soft' })
    expect(loadConfig({ PARLEY_EDIT_WINDOW_SECONDS: '900', PARLEY_DELETE_MODE: 'hard' })).toMatchObject({ editWindowSeconds: 900, deleteMode: 'hard' })
  })

  it('refuse anything else at start', () => {
    for (const v of ['-1', '1.5', 'forever']) expect(() => loadConfig({ PARLEY_EDIT_WINDOW_SECONDS: v }), v).toThrow(/PARLEY_EDIT_WINDOW_SECONDS must be an integer/)
    for (const v of ['Soft', 'purge', ' hard']) expect(() => loadConfig({ PARLEY_DELETE_MODE: v }), v).toThrow(/PARLEY_DELETE_MODE must be soft or hard/)
  })
})

describe('config: PARLEY_SYSTEM_MESSAGES', () => {
  it('defaults to on and accepts on or off', () => {
    expect(loadConfig({}).systemMessages).toBe(true)
    expect(loadConfig({ PARLEY_SYSTEM_MESSAGES: 'on' }).systemMessages).toBe(true)
    expect(loadConfig({ PARLEY_SYSTEM_MESSAGES: 'off' }).systemMessages).toBe(false)
  })

  it('refuses anything else at start', () => {
    for (const v of ['true', 'OFF', '0', 'no']) {
      expect(() => loadConfig({ PARLEY_SYSTEM_MESSAGES: v }), v).toThrow(/PARLEY_SYSTEM_MESSAGES must be on or off/)
    }
  })
})
