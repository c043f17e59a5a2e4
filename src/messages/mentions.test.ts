import { describe, expect, it } from 'vitest'
import { mayMentionEveryone, mentionCandidates, parseMentions, resolveMentions, sameMentions, WILDCARD_MAX_MEMBERS, type MentionScope } from './mentions.js'

const scope = (members: string[], over: Partial<MentionScope> = {}): MentionScope => ({
  type: 'group',
  memberCount: 5,
  senderRole: 'member',
  members: new Set(members),
  ...over,
})

describe('mentions: parsing', () => {
  it('finds @id tokens of the participant id alphabet, in order, once each', () => {
    expect(parseMentions('hi @ada and @bob_2, also @ada again').tokens).toEqual([['ada'], ['bob_2']])
    expect(parseMentions('@u:1 @x=y|z @mail@example.org').tokens).toEqual([['u:1'], ['x=y|z'], ['mail@example.org']])
    expect(parseMentions('(@ada) "@bob" @ada! ¿@cy?').tokens).toEqual([['ada'], ['bob'], ['cy']])
  })

  it('offers the token without its trailing punctuation as well, longest first', () => {
    expect(parseMentions('thanks @ada.').tokens).toEqual([['ada.', 'ada']])
    expect(parseMentions('@ada... @bob: @cy-').tokens).toEqual([['ada...', 'ada..', 'ada.', 'ada'], ['bob:', 'bob'], ['cy-', 'cy']])
  })

  it('an address or an id inside a word is no mention; nor is anything in code', () => {
    expect(parseMentions('write to ada@example.com').tokens).toEqual([])
    expect(parseMentions('x@ada a_@bob').tokens).toEqual([])
    expect(parseMentions('run `ping @ada` or\n```\n@bob @all\n```\nthen @cy').tokens).toEqual([['cy']])
    expect(parseMentions('```\nnever closed @ada').tokens).toEqual([])
    expect(parseMentions('@ alone, @@, trailing @').tokens).toEqual([['@']])
  })

  it('@all and @here are wildcards (all wins), case-sensitive, with punctuation after them', () => {
    expect(parseMentions('@here folks').wildcard).toBe('here')
    expect(parseMentions('@here and @all.').wildcard).toBe('all')
    expect(parseMentions('@all: look').tokens).toEqual([])
    expect(parseMentions('@All @HERE @allofus @hereby')).toEqual({ tokens: [['All'], ['HERE'], ['allofus'], ['hereby']], wildcard: null })
    expect(parseMentions('me@all').wildcard).toBe(null)
  })

  it('ignores ids longer than 128 characters', () => {
    expect(parseMentions(`@${'a'.repeat(129)}`).tokens).toEqual([])
    expect(parseMentions(`@${'a'.repeat(128)}`).tokens).toEqual([['a'.repeat(128)]])
    expect(parseMentions(`@${'a'.repeat(128)}.`).tokens).toEqual([['a'.repeat(128)]])
  })

  it('candidates: the explicit ids and every alternative, once', () => {
    expect(mentionCandidates(parseMentions('@ada. @bob'), ['bob', 'cy'])).toEqual(['bob', 'cy', 'ada.', 'ada'])
  })
})

describe('mentions: resolving', () => {
  it('keeps members only, explicit ones first, and picks the longest alternative that is a member', () => {
    const parsed = parseMentions('@ada. @zed @bob. @cy')
    expect(resolveMentions(parsed, ['dan', 'nobody'], scope(['ada', 'bob.', 'bob', 'cy', 'dan']))).toEqual({ mentions: ['dan', 'ada', 'bob.', 'cy'], wildcardMention: null })
    expect(resolveMentions(parseMentions('@cy'), ['cy'], scope(['cy'])).mentions).toEqual(['cy'])
  })

  it('wildcards: admins always; members in dms and groups of at most 20; never in channels otherwise; never non-members', () => {
    const all = parseMentions('@all')
    expect(resolveMentions(all, [], scope([], { type: 'channel', memberCount: 300, senderRole: 'admin' })).wildcardMention).toBe('all')
    expect(resolveMentions(all, [], scope([], { type: 'channel', memberCount: 3 })).wildcardMention).toBe(null)
    expect(resolveMentions(all, [], scope([], { memberCount: WILDCARD_MAX_MEMBERS })).wildcardMention).toBe('all')
    expect(resolveMentions(all, [], scope([], { memberCount: WILDCARD_MAX_MEMBERS + 1 })).wildcardMention).toBe(null)
    expect(resolveMentions(parseMentions('@here'), [], scope([], { type: 'dm', memberCount: 2 })).wildcardMention).toBe('here')
    expect(mayMentionEveryone({ type: 'group', memberCount: 2, senderRole: null })).toBe(false)
  })

  it('compares resolutions as sets', () => {
    expect(sameMentions({ mentions: ['a', 'b'], wildcardMention: null }, { mentions: ['b', 'a'], wildcardMention: null })).toBe(true)
    expect(sameMentions({ mentions: ['a'], wildcardMention: null }, { mentions: ['a'], wildcardMention: 'all' })).toBe(false)
    expect(sameMentions({ mentions: ['a'], wildcardMention: null }, { mentions: ['a', 'b'], wildcardMention: null })).toBe(false)
  })
})
