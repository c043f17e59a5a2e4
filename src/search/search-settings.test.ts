import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { loadConfig } from '../config.js'
import { ensureSearchIndexes, UNSPACED_INDEX, WORDS_INDEX } from './search.sql.js'

/** The search indexes of messages, and the language of its search_vector column (null: no column). */
async function searchSchema(q: { query<R>(sql: string): Promise<R[]> }) {
  const indexes = await q.query<{ name: string }>(`SELECT indexname AS name FROM pg_indexes WHERE tablename = 'messages' AND indexname LIKE 'messages_search_%' ORDER BY 1`)
  const column = await q.query<{ expr: string }>(
    `SELECT pg_get_expr(d.adbin, d.adrelid) AS expr FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = 'messages'::regclass AND a.attname = 'search_vector' AND NOT a.attisdropped`,
  )
  return { indexes: indexes.map((r) => r.name), language: column.length ? /'(\w+)'::regconfig/.exec(column[0].expr)![1] : null }
}

it('PARLEY_SEARCH_LANGUAGE: english by default, a configuration name, else the start fails', () => {
  expect(loadConfig({}).searchLanguage).toBe('english')
  expect(loadConfig({ PARLEY_SEARCH_LANGUAGE: 'french' }).searchLanguage).toBe('french')
  expect(() => loadConfig({ PARLEY_SEARCH_LANGUAGE: "english'; drop table messages" })).toThrow(/PARLEY_SEARCH_LANGUAGE/)
  expect(loadConfig({}).searchIndex).toBe(true)
  expect(loadConfig({ PARLEY_SEARCH_INDEX: 'off' }).searchIndex).toBe(false)
  expect(() => loadConfig({ PARLEY_SEARCH_INDEX: 'no' })).toThrow(/PARLEY_SEARCH_INDEX/)
})

describeStores(
  'search with PARLEY_SEARCH_LANGUAGE=simple',
  (h) => {
    it('words match as written (no stems), still by prefix; the index follows the language', async () => {
      const [a] = await h().users(1)
      const conv = await h().ok('create-conversation', { type: 'group', name: 'simple' }, a.token)
      const m = await h().ok('send-message', { conversationId: conv.id, content: 'the runners were running' }, a.token)
      const find = async (query: string) => (await h().ok('search-messages', { query }, a.token)).data.map((d: any) => d.message.id)
      expect(await find('run')).toEqual([m.id])
      expect(await find('run the')).toEqual([])
      expect(await find('the running')).toEqual([m.id])
      expect(await find('runner')).toEqual([m.id])
      expect(await searchSchema(h().db)).toEqual({ indexes: [UNSPACED_INDEX, WORDS_INDEX], language: 'simple' })
    })

    it('an unknown language stops the start with the known ones listed; a change rebuilds column and index', async () => {
      await expect(ensureSearchIndexes(h().db, { language: 'klingon', enabled: true })).rejects.toThrow(/klingon.*english/)
      expect(await ensureSearchIndexes(h().db, { language: 'simple', enabled: true })).toEqual([])
      // Several nodes starting at once with a new language: one rebuilds, the others find it done.
      const built = await Promise.all([1, 2, 3].map(() => ensureSearchIndexes(h().db, { language: 'german', enabled: true })))
      expect(built.flat()).toEqual(['search_vector (german)', WORDS_INDEX])
      expect(await searchSchema(h().db)).toEqual({ indexes: [UNSPACED_INDEX, WORDS_INDEX], language: 'german' })
      expect(await ensureSearchIndexes(h().db, { language: 'simple', enabled: true })).toEqual(['search_vector (simple)', WORDS_INDEX])
    })
  },
  { searchLanguage: 'simple' },
)

describeStores(
  'search with PARLEY_SEARCH_INDEX=off',
  (h) => {
    it('no search column or index is kept, and search still finds everything (by scanning)', async () => {
      expect(await searchSchema(h().db)).toEqual({ indexes: [], language: null })
      const [a] = await h().users(1)
      const conv = await h().ok('create-conversation', { type: 'group', name: 'no index' }, a.token)
      const m = await h().ok('send-message', { conversationId: conv.id, content: 'deployment done, 中文消息' }, a.token)
      for (const query of ['deploy', 'deplo', '中文']) {
        expect((await h().ok('search-messages', { query }, a.token)).data.map((d: any) => d.message.id), query).toEqual([m.id])
      }
    })
  },
  { searchIndex: false },
)
