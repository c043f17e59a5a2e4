import { describe, expect, it } from 'vitest'
import { Sequencer } from './sequencer.js'

const e = (conversationId: string, seq: number) => ({ conversationId, seq })

function make(initial = {}) {
  const out: string[] = []
  const s = new Sequencer<{ conversationId: string; seq: number }>((x, src) => out.push(`${x.conversationId}:${x.seq}:${src}`), initial)
  return { s, out }
}

describe('Sequencer', () => {
  it('delivers each seq once per conversation, never one at or below the last delivered', () => {
    const { s, out } = make({ a: 2 })
    for (const x of [e('a', 1), e('a', 2), e('a', 3), e('b', 1), e('a', 3), e('b', 1), e('a', 5)]) s.live(x)
    expect(out).toEqual(['a:3:live', 'b:1:live', 'a:5:live'])
    expect(s.positions()).toEqual({ a: 5, b: 1 })
  })

  it('holds live events during sync, applies sync first, then the held ones minus duplicates', () => {
    const { s, out } = make({ a: 1 })
    s.beginSync()
    s.live(e('a', 3))
    s.live(e('a', 4))
    s.apply(e('a', 2), 'sync')
    s.apply(e('a', 3), 'sync')
    expect(out).toEqual(['a:2:sync', 'a:3:sync'])
    s.endSync()
    expect(out).toEqual(['a:2:sync', 'a:3:sync', 'a:4:live'])
  })

  it('abortSync drops the held events without moving positions', () => {
    const { s, out } = make({ a: 1 })
    s.beginSync()
    s.live(e('a', 2))
    s.abortSync()
    expect(out).toEqual([])
    expect(s.positions()).toEqual({ a: 1 })
  })

  it('positions only move forward; bad positions are refused', () => {
    const { s } = make()
    s.advance('a', 5)
    s.advance('a', 3)
    expect(s.positions()).toEqual({ a: 5 })
    expect(() => s.advance('a', -1)).toThrow(RangeError)
    s.forget('a')
    expect(s.hasPositions()).toBe(false)
  })
})
