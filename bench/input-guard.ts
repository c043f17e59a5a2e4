/**
 * What the input guards cost, side by side with the work they guard: the nesting check on the
 * raw text (src/lib/json-nesting.ts) against JSON.parse of the same text, and the whole input
 * check (nesting and NUL, iterative) plus schema validation of a send-message body. Prints one
 * Markdown table. `npx tsx bench/input-guard.ts [--ms=1000]`
 */
import { Type } from '@sinclair/typebox'
import { MAX_NESTING, nestsDeeperThan } from '../src/lib/json-nesting.js'
import { validate } from '../src/ops/validate.js'
import { Input, Uuid } from '../src/ops/schemas.js'

const ms = Number(process.argv.find((a) => a.startsWith('--ms='))?.slice(5) ?? 1000)

/** Runs `fn` for about `ms` milliseconds (after a warm-up) and answers nanoseconds per call. */
function time(fn: () => unknown): number {
  for (let i = 0; i < 2000; i++) fn()
  let n = 0
  const t0 = process.hrtime.bigint()
  const end = t0 + BigInt(ms) * 1_000_000n
  let now = t0
  while (now < end) {
    for (let i = 0; i < 100; i++) fn()
    n += 100
    now = process.hrtime.bigint()
  }
  return Number(now - t0) / n
}

const send = JSON.stringify({ conversationId: '0192f0e4-7c1a-7b3e-9a4f-1e2d3c4b5a69', content: 'x'.repeat(64), clientMsgId: 'c-123456' })
const metadata = JSON.stringify({ id: 'ada', name: 'Ada', metadata: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, { v: 'y'.repeat(100), n: i }])) })
const large = JSON.stringify({ conversationId: '0192f0e4-7c1a-7b3e-9a4f-1e2d3c4b5a69', content: 'z'.repeat(1_000_000) })
const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000)

const SendInput = Input({ conversationId: Uuid(), content: Type.String({ maxLength: 40_000 }), clientMsgId: Type.Optional(Type.String({ maxLength: 64 })) })
const parsedSend = JSON.parse(send)

const rows: string[][] = []
for (const [name, text] of [
  ['send-message body', send],
  ['8 KiB metadata body', metadata],
  ['1 MB content body', large],
  ['5,000 levels deep (refused)', deep],
] as const) {
  const check = time(() => nestsDeeperThan(text, MAX_NESTING))
  const parse = name.startsWith('5,000') ? NaN : time(() => JSON.parse(text))
  rows.push([name, String(text.length), check.toFixed(0), Number.isNaN(parse) ? 'not parsed' : parse.toFixed(0), Number.isNaN(parse) ? '—' : `${((check / parse) * 100).toFixed(1)} %`])
}
const validateSend = time(() => validate(SendInput, parsedSend))

console.log(`input guards, ${ms} ms per point, node ${process.version}\n`)
console.log('| body | bytes | nesting check ns | JSON.parse ns | check ÷ parse |')
console.log('|---|---|---|---|---|')
for (const r of rows) console.log(`| ${r.join(' | ')} |`)
console.log(`\nvalidate(send-message input) incl. the iterative nesting and NUL walk: ${validateSend.toFixed(0)} ns`)
