import { Type } from '@sinclair/typebox'
import { defineOp } from '../ops/define-op.js'
import { conflict, invalidField } from '../ops/errors.js'
import { checkMetadata } from '../ops/metadata.js'
import { Input, Metadata, Name, Nullable, Uuid } from '../ops/schemas.js'
import { transact } from '../ops/transaction.js'
import { assertWritable, lockConversationFor } from './access.js'
import { appendConversationUpdated, conversationViewFor } from './conversation-writes.js'
import { Conversation, Settings, Visibility } from './conversations.schemas.js'
import { updateConversationSettings, type ConversationRow, type ConversationSettingsPatch } from './conversations.sql.js'
import type { EventData } from '../events/event-types.js'
import { actorIdOf } from './conversation-writes.js'
import { appendSystemMessage } from '../messages/system-messages.js'

type ConversationChanges = EventData<'conversation.updated'>['changes']

const UpdateInput = Input({
  id: Uuid(),
  name: Type.Optional(Nullable(Name(200))),
  description: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  visibility: Type.Optional(Visibility),
  metadata: Type.Optional(Metadata()),
  settings: Type.Optional(Settings),
})
type UpdateInput = typeof UpdateInput.static

export const updateConversationOp = defineOp({
  id: 'update-conversation',
  path: '/v1/conversations/{id}/update',
  tag: 'conversations',
  summary: 'Change a conversation’s name, description, visibility, metadata or settings (admins)',
  description:
    'Admins of the conversation and the server key. Omitted fields stay as they are; `description: null` ' +
    'clears it, `name: null` clears a group’s name (a channel keeps one). `metadata` replaces the whole object. ' +
    '`visibility: "public"` is for channels only; `settings.locked` for groups only; `settings.maxMembers` may ' +
    'not go below the current member count (409). A dm has no name, description, visibility or settings (400); ' +
    'only its metadata may change. An archived conversation is read-only (409). Emits `conversation.updated` ' +
    '`{ changes, conversation }` with only what changed; an update that changes nothing emits nothing. A new name ' +
    'is also told by a system message "… renamed the group to …" (unless PARLEY_SYSTEM_MESSAGES=off). ' +
    'Answers the conversation as the caller sees it.',
  callers: ['server', 'user', 'agent'],
  input: UpdateInput,
  output: Conversation,
  async run(ctx, input) {
    checkMetadata('metadata', input.metadata)
    return transact(ctx, async (tx) => {
      const { conv } = await lockConversationFor(tx, ctx.actor, input.id, 'admin')
      checkApplies(conv, input)
      assertWritable(conv)
      const next = resolve(conv, input)
      const changes = changesBetween(conv, next)
      if (next.maxMembers !== conv.max_members && next.maxMembers < conv.member_count) {
        throw conflict(`the ${conv.type} has ${conv.member_count} members, more than maxMembers ${next.maxMembers}`)
      }
      if (Object.keys(changes).length) {
        await updateConversationSettings(tx, conv.id, next, new Date().toISOString())
        await appendConversationUpdated(tx, conv, ctx.actor, changes)
        if (changes.name !== undefined) {
          // conv is the row as locked: its name is the one before.
          await appendSystemMessage(ctx, tx, conv, {
            event: 'conversation.renamed',
            actorId: actorIdOf(ctx.actor),
            targetIds: [],
            name: changes.name,
            previousName: conv.name,
          })
        }
      }
      return conversationViewFor(tx, ctx.actor, conv.id)
    })
  },
})

/** Refuses fields that do not apply to this type of conversation (API.md, Rules). */
function checkApplies(conv: ConversationRow, input: UpdateInput): void {
  if (conv.type === 'dm') {
    for (const f of ['name', 'description', 'visibility', 'settings'] as const) {
      if (input[f] !== undefined) throw invalidField(f, 'does not apply to a dm')
    }
  }
  if (conv.type === 'group' && input.visibility === 'public') throw invalidField('visibility', 'groups are private; convert to a channel for a public room')
  if (conv.type === 'channel' && input.name === null) throw invalidField('name', 'a channel needs a name')
  if (conv.type === 'channel' && input.settings?.locked !== undefined) throw invalidField('settings.locked', 'applies to groups; channels use canPost')
}

/** The settings after the update: each given field, or the current value. */
function resolve(conv: ConversationRow, input: UpdateInput): ConversationSettingsPatch {
  return {
    name: input.name === undefined ? conv.name : input.name,
    description: input.description === undefined ? conv.description : input.description,
    visibility: input.visibility ?? conv.visibility,
    metadata: input.metadata ?? conv.metadata,
    maxMembers: input.settings?.maxMembers ?? conv.max_members,
    locked: input.settings?.locked ?? conv.locked,
  }
}

/** What differs, with the new values, in the field names of the conversation view. */
function changesBetween(conv: ConversationRow, next: ConversationSettingsPatch): ConversationChanges {
  const changes: ConversationChanges = {}
  if (next.name !== conv.name) changes.name = next.name
  if (next.description !== conv.description) changes.description = next.description
  if (next.visibility !== conv.visibility) changes.visibility = next.visibility
  if (canonicalJson(next.metadata) !== canonicalJson(conv.metadata)) changes.metadata = next.metadata
  const settings: NonNullable<ConversationChanges['settings']> = {}
  if (next.maxMembers !== conv.max_members) settings.maxMembers = next.maxMembers
  if (next.locked !== conv.locked) settings.locked = next.locked
  if (Object.keys(settings).length) changes.settings = settings
  return changes
}

/** JSON with object keys sorted, so that two equal objects compare equal (jsonb reorders keys). */
function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  )
}
