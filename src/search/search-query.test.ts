import { describe, expect, it } from 'vitest'
import { parseQuery } from './search-query.js'
import { likePattern } from './search.sql.js'
import { highlightsOf, markSubstrings } from './search-highlights.js'

describe('parseQuery', () => {
  it('quotes every word as one operand; the last word of 3+ characters is also a prefix', () => {
    expect(parseQuery('running deplo')).toEqual({ words: "'running'", prefix: "'deplo'", substrings: [], terms: 2 })
    expect(parseQuery('  go  ')).toEqual({ words: "'go'", prefix: null, substrings: [], terms: 1 })
    expect(parseQuery('deplo running')).toMatchObject({ words: "'deplo'", prefix: "'running'" })
  })

  it('tsquery syntax in user text stays text: quotes and backslashes escaped, operators inside quotes', () => {
    expect(parseQuery("it's")).toMatchObject({ words: '', prefix: "'it''s'" })
    expect(parseQuery('a\\b')).toMatchObject({ words: '', prefix: "'a\\\\b'" })
    expect(parseQuery('x & | ! ( ) :* <->')).toMatchObject({ words: "'x' & '&' & '|' & '!' & '(' & ')' & ':*'", prefix: "'<->'" })
  })

  it('takes runs of unspaced scripts out as substrings, longest first', () => {
    expect(parseQuery('中文消息')).toEqual({ words: '', prefix: null, substrings: ['中文消息'], terms: 1 })
    expect(parseQuery('deploy 中文 日本語のテキスト')).toEqual({ words: '', prefix: "'deploy'", substrings: ['日本語のテキスト', '中文'], terms: 3 })
    // A run inside a word splits it: the Latin parts are words.
    expect(parseQuery('v2部署完成ok')).toEqual({ words: "'v2' & 'ok'", prefix: null, substrings: ['部署完成'], terms: 3 })
    expect(parseQuery('สวัสดีครับ').substrings).toEqual(['สวัสดีครับ'])
    expect(parseQuery('サーバー').substrings).toEqual(['サーバー'])
    expect(parseQuery('中文 中文').substrings).toEqual(['中文'])
  })

  it('white space and control characters only: no terms', () => {
    expect(parseQuery(' \t\n ').terms).toBe(0)
    expect(parseQuery('\u0000\u0001').terms).toBe(0)
  })

  it('LIKE wildcards in a substring are escaped', () => {
    expect(likePattern('中_文%\\')).toBe('%中\\_文\\%\\\\%')
  })
})

describe('highlights', () => {
  it('marks substrings, longest first, never inside a span ts_headline marked', () => {
    expect(markSubstrings('我们讨论中文消息和中文', ['中文消息', '中文'])).toBe('我们讨论«中文消息»和«中文»')
    expect(markSubstrings('«部署» 部署', ['部署'])).toBe('«部署» «部署»')
  })

  it('substring-only: a window of context around each first occurrence', () => {
    const content = 'x'.repeat(100) + '中文' + 'y'.repeat(100)
    const [snippet] = highlightsOf(content, null, ['中文'])
    expect(snippet).toBe('…' + 'x'.repeat(24) + '«中文»' + 'y'.repeat(24) + '…')
    expect(highlightsOf('短い日本語', null, ['日本語'])).toEqual(['短い«日本語»'])
  })

  it('ts_headline fragments become separate highlights', () => {
    expect(highlightsOf('', 'one «run» \u001f two «run»', [])).toEqual(['one «run»', 'two «run»'])
  })
})
