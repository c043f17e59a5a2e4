import { describe, expect, it } from 'vitest'
import { canonicalEmoji } from './reactions-emoji.js'

describe('reaction emoji', () => {
  it('takes one emoji grapheme of any form: with skin tone, ZWJ sequences, flags, keycaps, tag sequences', () => {
    for (const e of ['👍', '👍🏽', '😀', '🫠', '✅', '⭐', '👩🏽‍💻', '👨‍👩‍👧‍👦', '🧑🏿‍🤝‍🧑🏻', '🏳️‍🌈', '❤️‍🔥', '🇫🇷', '1️⃣', '#️⃣', '🏴󠁧󠁢󠁥󠁮󠁧󠁿', '❤️', '🏻']) {
      expect(canonicalEmoji(e), e).toBe(e)
    }
  })

  it('stores a text-default character and a bare keycap in their emoji form, so both spellings count together', () => {
    expect(canonicalEmoji('❤')).toBe('❤️')
    expect(canonicalEmoji('☺')).toBe('☺️')
    expect(canonicalEmoji('©')).toBe('©️')
    expect(canonicalEmoji('1⃣')).toBe('1️⃣')
  })

  it('refuses what is not exactly one emoji', () => {
    for (const e of ['', ' ', 'a', 'é', '1', '#', '€', '👍👍', '👍 ', ' 👍', '👍\u0301', '🇫', '❤︎', 'ab', '\u200D', '\uFE0F']) {
      expect(canonicalEmoji(e), JSON.stringify(e)).toBeUndefined()
    }
  })

  it('takes :shortcode: of 1–64 of a–z 0–9 _ + - as it is', () => {
    for (const s of [':+1:', ':a:', ':party_parrot:', ':thumbs-up:', `:${'z'.repeat(64)}:`]) expect(canonicalEmoji(s)).toBe(s)
    for (const s of ['::', ':A:', ':a b:', ':a', 'a:', `:${'z'.repeat(65)}:`, ':é:', '::a::']) expect(canonicalEmoji(s), s).toBeUndefined()
  })
})
