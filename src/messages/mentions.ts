/**
 * Mentions, decided without the database: which `@participantId` tokens and wildcards a
 * message's content holds, and — given who of them are members — what the message mentions.
 * The rules (docs/api.md, "Edits, deletes and mentions"):
 *
 * - a token is `@` followed by characters of the participant id alphabet, not preceded by one
 *   of them (so `ada@example.com` is an address, not a mention of `example.com`);
 * - sentence punctuation that ends a token is not part of it unless the longer id is a member:
 *   `@ada.` mentions `ada.` if that is a member, else `ada`;
 * - `@all` and `@here` are wildcards (everyone in the conversation), allowed for admins always
 *   and for everyone in dms and groups of at most WILDCARD_MAX_MEMBERS members; otherwise they
 *   are plain text. Participants whose id is `all` or `here` are mentioned through `mentions`;
 * - nothing inside Markdown code (inline `code`, fenced ``` blocks) is a mention;
 * - only members count: other ids are ignored, never an error.
 */

/** Groups (and dms) of at most this many members let every member use `@all` / `@here`. */
export const WILDCARD_MAX_MEMBERS = 20

export type Wildcard = 'all' | 'here'

export interface ParsedMentions {
  /** One entry per distinct token: the ids it may stand for, longest first. */
  tokens: string[][]
  /** `all` if the content holds `@all` (it includes `@here`'s everyone), else `here` if `@here`, else null. */
  wildcard: Wildcard | null
}

const ID_CHAR = 'A-Za-z0-9_.:@+=|\\-'
const TOKEN = new RegExp(`(?<![${ID_CHAR}])@([${ID_CHAR}]+)`, 'g')
/** Characters that end sentences more often than ids: stripped from a token's end, one by one. */
const TRAILING = /[.:@+=|-]$/
const MAX_ID = 128
/** Fenced blocks (to the end when unclosed), then inline code spans. */
const CODE = /```[\s\S]*?(?:```|$)|`[^`\n]*`/g

export function parseMentions(content: string): ParsedMentions {
  const text = content.replace(CODE, ' ')
  const tokens: string[][] = []
  const seen = new Set<string>()
  let all = false
  let here = false
  for (const m of text.matchAll(TOKEN)) {
    const alternatives: string[] = []
    for (let id = m[1]; id; id = TRAILING.test(id) ? id.slice(0, -1) : '') {
      if (id.length <= MAX_ID) alternatives.push(id)
    }
    if (alternatives.includes('all')) all = true
    else if (alternatives.includes('here')) here = true
    else if (alternatives.length && !seen.has(alternatives[0])) {
      seen.add(alternatives[0])
      tokens.push(alternatives)
    }
  }
  return { tokens, wildcard: all ? 'all' : here ? 'here' : null }
}

/** Every id whose membership decides the mentions: the explicit ones and each token's alternatives. */
export function mentionCandidates(parsed: ParsedMentions, explicit: readonly string[]): string[] {
  return [...new Set([...explicit, ...parsed.tokens.flat()])]
}

/** What resolving needs to know about the conversation and the sender. */
export interface MentionScope {
  type: 'dm' | 'group' | 'channel'
  memberCount: number
  /** The sender's role; null when not a member. */
  senderRole: 'admin' | 'member' | null
  /** Which of the candidates are members. */
  members: ReadonlySet<string>
}

/** Who may use `@all` / `@here`: admins, and everyone in dms and groups of at most WILDCARD_MAX_MEMBERS. */
export function mayMentionEveryone(s: Pick<MentionScope, 'type' | 'memberCount' | 'senderRole'>): boolean {
  if (s.senderRole === 'admin') return true
  return s.senderRole === 'member' && s.type !== 'channel' && s.memberCount <= WILDCARD_MAX_MEMBERS
}

export interface ResolvedMentions {
  /** Members mentioned: the explicit ones first, in their order, then the content's, in order. */
  mentions: string[]
  wildcardMention: Wildcard | null
}

export function resolveMentions(parsed: ParsedMentions, explicit: readonly string[], scope: MentionScope): ResolvedMentions {
  const out = new Set(explicit.filter((id) => scope.members.has(id)))
  for (const alternatives of parsed.tokens) {
    const id = alternatives.find((a) => scope.members.has(a))
    if (id !== undefined) out.add(id)
  }
  return { mentions: [...out], wildcardMention: parsed.wildcard && mayMentionEveryone(scope) ? parsed.wildcard : null }
}

/** Whether two resolutions mention the same (order aside). */
export function sameMentions(a: ResolvedMentions, b: ResolvedMentions): boolean {
  if (a.wildcardMention !== b.wildcardMention || a.mentions.length !== b.mentions.length) return false
  const set = new Set(a.mentions)
  return b.mentions.every((id) => set.has(id))
}
