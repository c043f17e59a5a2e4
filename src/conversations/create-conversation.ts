import { Type } from '@sinclair/typebox'
import { defineOp } from '../ops/define-op.js'
import { conflict, forbidden, invalid, invalidField } from '../ops/errors.js'
import { checkMetadata } from '../ops/metadata.js'
import { Input, Metadata, ParticipantId } from '../ops/schemas.js'
import type { OpContext } from '../ops/context.js'
import { transact } from '../ops/transaction.js'
import { uuidv7 } from '../lib/ids.js'
import { appendEvent } from '../events/event-log.sql.js'
import { findParticipant } from '../users/users.sql.js'
import { directoryViewer } from '../users/directory.js'
import { findMemberDetails, insertMembers, loadActiveParticipants, type NewMember } from '../members/members.sql.js'
import { Conversation, ConversationType, Settings, Visibility } from './conversations.schemas.js'
import { findConversationDetail, findConversationIdByDmKey, insertConversation, type NewConversation } from './conversations.sql.js'
import { toConversationView } from './conversations.view.js'

/** Default member caps (API.md): groups 100, channels 300. */
export const DEFAULT_MAX_MEMBERS = { dm: 2, group: 100, channel: 300 } as const

const CreateInput = Input({
  type: ConversationType,
  members: Type.Optional(Type.Array(ParticipantId(), { maxItems: 1000, description: 'users and agents to add besides the creator' })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  visibility: Type.Optional(Visibility),
  agentId: Type.Optional(ParticipantId('dm only: start an agent chat between the caller and this agent')),
  externalRef: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'the app’s own object this conversation belongs to' })),
  metadata: Type.Optional(Metadata()),
  settings: Type.Optional(Settings),
})

export const createConversationOp = defineOp({
  id: 'create-conversation',
  path: '/v1/conversations/create',
  tag: 'conversations',
  summary: 'Create a group or channel, or get-or-create a dm',
  description:
    '`dm`: `members: [otherId]` or `agentId` (an agent chat); one dm per pair (per pair and agent), so ' +
    'this answers the existing one with `isNew: false` (200) or a new one with `isNew: true` (201). ' +
    '`group`: private, member cap `settings.maxMembers` (default 100), `settings.locked` lets only admins post. ' +
    '`channel`: `name` required, `visibility` private by default, subscriber cap default 300; members join ' +
    'without the right to post. The creator is added as admin. With the server key there is no creator. ' +
    'Unknown or deactivated `members`/`agentId`: 400 naming the field; with `PARLEY_DIRECTORY=shared`, a ' +
    'participant the caller may not see (shares no conversation with) answers exactly like an unknown one, ' +
    'so a first conversation between strangers is created by the server key.',
  callers: ['server', 'user', 'agent'],
  // A dm asked for again is found, not created.
  status: { created: 201, existing: 200 },
  input: CreateInput,
  output: Type.Composite([Conversation, Type.Object({ isNew: Type.Boolean() })]),
  async run(ctx, input) {
    checkMetadata('metadata', input.metadata)
    const plan = input.type === 'dm' ? await planDm(ctx, input) : await planRoom(ctx, input)
    const at = new Date().toISOString()
    const created = await transact(ctx, async (tx) => {
      const conv = await insertConversation(tx, { ...plan.conversation, at })
      if (!conv) return undefined
      await insertMembers(tx, conv.id, plan.members, at)
      conv.member_count = plan.members.length
      // Kind, name and avatar as the member view shows them, so clients build the member list from the event.
      const details = new Map((await findMemberDetails(tx, conv.id, plan.members.map((m) => m.id))).map((d) => [d.member_id, d]))
      const members = plan.members.map((m) => {
        const d = details.get(m.id)!
        return { id: m.id, role: m.role, canPost: m.canPost, kind: d.kind, name: d.name, avatarUrl: d.avatar_url }
      })
      await appendEvent(tx, { id: conv.id, lastSeq: 0 }, {
        type: 'conversation.created',
        actorId: plan.conversation.createdBy,
        data: { conversation: toConversationView({ ...conv, last_seq: 1 }, 'member'), members },
      }, new Date(at))
      return conv.id
    })
    const viewerId = ctx.actor.kind === 'server' ? null : ctx.actor.id
    const id = created ?? (await findConversationIdByDmKey(ctx.services.db, plan.conversation.dmKey!))
    const detail = (await findConversationDetail(ctx.services.db, id!, viewerId))!
    return { outcome: created ? ('created' as const) : ('existing' as const), data: { ...toConversationView(detail, viewerId ? 'member' : 'server'), isNew: Boolean(created) } }
  },
})

type CreateInput = typeof CreateInput.static
interface Plan {
  conversation: Omit<NewConversation, 'at'>
  members: NewMember[]
}

/** A dm: the caller and one other participant, keyed so that there is one per pair (and agent). */
async function planDm(ctx: OpContext, input: CreateInput): Promise<Plan> {
  const actor = ctx.actor
  if (actor.kind === 'server') throw forbidden('a dm is created by one of its two participants')
  for (const f of ['name', 'description', 'visibility', 'settings'] as const) {
    if (input[f] !== undefined) throw invalidField(f, 'does not apply to a dm')
  }
  if ((input.members === undefined) === (input.agentId === undefined)) {
    throw invalid('a dm takes either members: [otherId] or agentId', [{ path: 'members', message: 'give exactly one other participant, or agentId' }])
  }
  if (input.members && input.members.length !== 1) throw invalidField('members', 'a dm has exactly one other participant')
  const otherId = input.agentId ?? input.members![0]
  const path = input.agentId ? 'agentId' : 'members.0'
  if (otherId === actor.id) throw invalidField(path, 'a dm needs another participant than the caller')
  const other = (await loadActiveParticipants(ctx.services.db, [otherId], path.replace('.0', ''), directoryViewer(ctx)))[0]
  if (input.agentId && other.kind !== 'agent') throw invalidField('agentId', `${otherId} is not an agent`)
  // A dm with an agent is an agent chat, however it was asked for.
  const agentId = other.kind === 'agent' ? other.id : actor.kind === 'agent' ? actor.id : null
  const humanOrCaller = agentId === other.id ? actor.id : other.id
  const dmKey = agentId ? `agent:${agentId}:${humanOrCaller}` : `dm:${[actor.id, other.id].sort().join(':')}`
  return {
    conversation: {
      id: uuidv7(),
      type: 'dm',
      name: null,
      description: null,
      visibility: 'private',
      externalRef: input.externalRef ?? null,
      metadata: input.metadata ?? {},
      maxMembers: 2,
      locked: false,
      dmKey,
      agentId,
      createdBy: actor.id,
    },
    members: [
      { id: actor.id, role: 'admin', canPost: true },
      { id: other.id, role: 'admin', canPost: true },
    ],
  }
}

/** A group or a channel, with the creator (if a participant) as admin. */
async function planRoom(ctx: OpContext, input: CreateInput): Promise<Plan> {
  const type = input.type as 'group' | 'channel'
  if (input.agentId !== undefined) throw invalidField('agentId', 'applies to dms only')
  if (type === 'channel' && !input.name) throw invalidField('name', 'a channel needs a name')
  if (type === 'group' && input.visibility === 'public') throw invalidField('visibility', 'groups are private; use a channel for a public room')
  if (type === 'channel' && input.settings?.locked !== undefined) throw invalidField('settings.locked', 'applies to groups; channels use canPost')
  const creator = ctx.actor.kind === 'server' ? null : ctx.actor.id
  const others = [...new Set(input.members ?? [])].filter((id) => id !== creator)
  await loadActiveParticipants(ctx.services.db, others, 'members', directoryViewer(ctx))
  if (creator) {
    const me = await findParticipant(ctx.services.db, creator)
    if (!me || me.deactivated_at) throw forbidden('the caller is not active')
  }
  const maxMembers = input.settings?.maxMembers ?? DEFAULT_MAX_MEMBERS[type]
  const count = others.length + (creator ? 1 : 0)
  if (count > maxMembers) throw conflict(`the ${type} would have ${count} members, over its cap of ${maxMembers}`)
  const memberCanPost = type === 'group'
  return {
    conversation: {
      id: uuidv7(),
      type,
      name: input.name ?? null,
      description: input.description ?? null,
      visibility: type === 'channel' ? (input.visibility ?? 'private') : 'private',
      externalRef: input.externalRef ?? null,
      metadata: input.metadata ?? {},
      maxMembers,
      locked: input.settings?.locked ?? false,
      dmKey: null,
      agentId: null,
      createdBy: creator,
    },
    members: [
      ...(creator ? [{ id: creator, role: 'admin' as const, canPost: true }] : []),
      ...others.map((id) => ({ id, role: 'member' as const, canPost: memberCanPost })),
    ],
  }
}
