/**
 * The queries of the search benchmark (bench/search.ts): the mix drawn from the vocabulary, the
 * op over HTTP, and the raw query it is compared with.
 */
import { Pool } from 'undici'
import { Samples, nowMs, type LatencySummary } from './stats.js'
import { CJK_PHRASES, prng, vocabulary } from './search-corpus.js'
import { parseQuery, UNSPACED_CLASS } from '../../src/search/search-query.js'
import { likePattern } from '../../src/search/search.sql.js'

const LANGUAGE = 'english'

export interface Query {
  kind: string
  text: string
}


/**
 * The query mix, `perKind` of each kind: frequent words (vocabulary ranks 40–200, stop words
 * left out), medium (200–2,000), rare (2,000–20,000), a prefix (the first 4 letters of a
 * frequent or medium word, as typed), two frequent words, and Chinese/Japanese substrings of 2
 * and of 4 characters.
 */
export async function buildQueries(isStopWord: (w: string) => Promise<boolean>, perKind: number): Promise<Query[]> {
  const words = vocabulary()
  const rand = prng(42)
  const pick = async (from: number, to: number, minLength = 3) => {
    for (;;) {
      const w = words[from + rand(to - from)]
      if (w.length >= minLength && /^[a-z]+$/.test(w) && !(await isStopWord(w))) return w
    }
  }
  const cjk = (len: number) => {
    const p = CJK_PHRASES[rand(CJK_PHRASES.length)]
    const at = rand(Math.max(1, [...p].length - len + 1))
    return [...p].slice(at, at + len).join('')
  }
  const out: Query[] = []
  for (let i = 0; i < perKind; i++) {
    out.push({ kind: 'frequent word', text: await pick(40, 200) })
    out.push({ kind: 'medium word', text: await pick(200, 2000) })
    out.push({ kind: 'rare word', text: await pick(2000, words.length) })
    out.push({ kind: 'prefix (4 letters)', text: (await pick(40, 2000, 6)).slice(0, 4) })
    out.push({ kind: 'two frequent words', text: `${await pick(40, 200)} ${await pick(40, 200)}` })
    out.push({ kind: 'CJK, 2 characters', text: cjk(2) })
    out.push({ kind: 'CJK, 4 characters', text: cjk(4) })
  }
  return out
}

// The raw query: the same match, rank, order and limit on the same indexes, nothing else.

export const rawSql = (scope: 'member' | 'conversation', match: 'words' | 'substring' | 'short substring') => {
  const where =
    scope === 'member'
      ? 'ARRAY[m.conversation_id] && ARRAY(SELECT conversation_id FROM members WHERE member_id = $1)'
      : 'ARRAY[m.conversation_id] && ARRAY[$1::uuid]'
  if (match === 'words') {
    // The words as the op takes them: the last one by stem or as typed-so-far (parseQuery, search.sql.ts).
    const L = `'${LANGUAGE}'::regconfig`
    return `WITH q AS (SELECT CASE WHEN $3::text IS NULL OR numnode(to_tsquery(${L}, $3)) = 0 THEN to_tsquery(${L}, $2)
                                   ELSE to_tsquery(${L}, $2) && (to_tsquery(${L}, $3) || to_tsquery('simple', $3 || ':*')) END AS q)
        SELECT m.id FROM messages m, q WHERE ${where} AND m.search_vector @@ q.q AND m.deleted_at IS NULL
        ORDER BY ts_rank(m.search_vector, q.q, 1) DESC, m.created_at DESC, m.id DESC LIMIT 21`
  }
  // Like the op: a substring too short for trigrams is not offered to the trigram index as a LIKE.
  const like = match === 'substring' ? 'm.content LIKE $2' : 'm.content LIKE ALL (ARRAY[$2])'
  return `SELECT m.id FROM messages m WHERE ${where} AND m.content ~ '${UNSPACED_CLASS}' AND ${like} AND m.deleted_at IS NULL
        ORDER BY m.created_at DESC, m.id DESC LIMIT 21`
}

export interface Runner {
  query(sql: string, params?: unknown[]): Promise<{ rows: any[] }>
  close(): Promise<void>
}

export async function runRaw(db: Runner, queries: Query[], scope: 'member' | 'conversation', scopeValue: string): Promise<number[]> {
  const times: number[] = []
  for (const q of queries) {
    const p = parseQuery(q.text)
    const words = p.words !== '' || p.prefix !== null
    const match = words ? 'words' : [...p.substrings[0]].length >= 3 ? 'substring' : 'short substring'
    const t0 = nowMs()
    await db.query(rawSql(scope, match), words ? [scopeValue, p.words, p.prefix] : [scopeValue, likePattern(p.substrings[0])])
    times.push(nowMs() - t0)
  }
  return times
}

export async function runOp(url: string, token: string, queries: Query[], conversationId?: string): Promise<{ times: number[]; hits: number[] }> {
  const pool = new Pool(url, { connections: 1, pipelining: 1 })
  const times: number[] = []
  const hits: number[] = []
  try {
    for (const q of queries) {
      const body = JSON.stringify({ query: q.text, ...(conversationId ? { conversationId } : {}) })
      const t0 = nowMs()
      const res = await pool.request({ path: '/v1/messages/search', method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body })
      const text = await res.body.text()
      times.push(nowMs() - t0)
      if (res.statusCode !== 200) throw new Error(`search answered ${res.statusCode}: ${text.slice(0, 300)}`)
      hits.push(JSON.parse(text).data.length)
    }
  } finally {
    await pool.close()
  }
  return { times, hits }
}

export const summary = (xs: number[]): LatencySummary => {
  const s = new Samples()
  for (const x of xs) s.add(x)
  return s.summary()
}
