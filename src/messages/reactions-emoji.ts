/**
 * What a reaction may be (API.md, Rich messages): one Unicode emoji — a single grapheme that
 * is an emoji, not a letter, digit or symbol that merely has an emoji form — or a
 * `:shortcode:` of 1–64 of `a–z 0–9 _ + -` (an app's custom emoji; Parley does not map
 * shortcodes to Unicode, so `:+1:` and 👍 are different reactions).
 */

const SHORTCODE = /^:[a-z0-9_+-]{1,64}:$/

/**
 * One emoji of a sequence: a pictographic character (or one shown as emoji by default), with
 * an optional emoji presentation selector and skin tone. A lone regional indicator is half a flag.
 */
const UNIT = String.raw`(?!\p{Regional_Indicator})(?:\p{Extended_Pictographic}|\p{Emoji_Presentation})\uFE0F?\p{Emoji_Modifier}?\uFE0F?`

/**
 * The emoji grapheme forms: a ZWJ sequence of units, optionally ending in a tag sequence
 * (subdivision flags such as England's); a flag (two regional indicators); a keycap
 * (`1️⃣`, `#️⃣`). A text presentation selector (U+FE0E), a combining mark or any other
 * character inside the grapheme makes it not an emoji.
 */
const EMOJI = new RegExp(
  String.raw`^(?:${UNIT}(?:\u200D${UNIT})*(?:[\u{E0020}-\u{E007E}]+\u{E007F})?|\p{Regional_Indicator}{2}|[0-9#*]\uFE0F?\u20E3)$`,
  'u',
)

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' })

/** A lone character that is text by default (❤, ☺, ©): its emoji form adds U+FE0F. */
const TEXT_DEFAULT = /^\P{Emoji_Presentation}$/u

/**
 * The reaction's canonical spelling, or undefined when `raw` is neither one emoji nor a
 * shortcode. Canonical: NFC, and the fully-qualified form of a lone text-default character or
 * keycap (`❤` and `❤️` are the same reaction, stored `❤️`), so that two pickers that spell
 * one emoji differently count together.
 */
export function canonicalEmoji(raw: string): string | undefined {
  if (SHORTCODE.test(raw)) return raw
  const s = raw.normalize('NFC')
  const graphemes = [...segmenter.segment(s)]
  if (graphemes.length !== 1 || !EMOJI.test(s)) return undefined
  const chars = [...s]
  if (chars.length === 1 && TEXT_DEFAULT.test(s)) return s + '\uFE0F'
  if (chars.length === 2 && chars[1] === '\u20E3') return chars[0] + '\uFE0F\u20E3'
  return s
}

/** The longest emoji input accepted (UTF-16 units): long ZWJ and tag sequences fit. */
export const EMOJI_MAX_LENGTH = 80
