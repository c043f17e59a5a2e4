import { Type } from '@sinclair/typebox'
import { defineOp } from '../ops/define-op.js'
import { forbidden, invalid, notFound } from '../ops/errors.js'
import { Cursor, Input, Limit, Page, ParticipantId } from '../ops/schemas.js'
import { decodeCursor } from '../lib/cursor.js'
import { keysetPage } from '../lib/page.js'
import { iso } from '../lib/time.js'
import { findParticipant } from '../users/users.sql.js'
import { Conversation } from '../conversations/conversations.schemas.js'
import { toConversationView } from '../conversations/conversations.view.js'
import { listConversationsOfAgents } from './agent-conversations.sql.js'

const AgentConversation = Type.Composite([
  Conversation,
  Type.Object({ agentIds: Type.Array(Type.String(), { description: 'which of the owner’s agents are members' }) }),
])

export const listAgentConversationsOp = defineOp({
  id: 'list-agent-conversations',
  path: '/v1/agents/conversations/list',
  tag: 'agents',
  summary: 'Owner view: every conversation any of the caller’s agents is in, most recent activity first',
  description:
    'The owner may then read those conversations (get-conversation, list-messages, get-message) but not post ' +
    'in them: `access` is `agent_owner` unless the owner is a member too. `agentId` narrows to one agent. ' +
    'With the server key, give `ownerId` or `agentId`.',
  callers: ['user', 'server'],
  input: Input({
    agentId: Type.Optional(ParticipantId()),
    ownerId: Type.Optional(ParticipantId('server key only: whose agents')),
    cursor: Type.Optional(Cursor()),
    limit: Type.Optional(Limit(30, 100)),
  }),
  output: Page(AgentConversation),
  async run(ctx, input) {
    const actor = ctx.actor
    let ownerId: string | null
    if (actor.kind === 'user') {
      if (input.ownerId !== undefined && input.ownerId !== actor.id) throw forbidden('you can list only your own agents’ conversations')
      ownerId = actor.id
    } else {
      if (input.ownerId === undefined && input.agentId === undefined) throw invalid('give ownerId or agentId', [{ path: 'ownerId', message: 'is required with the server key unless agentId is given' }])
      ownerId = input.ownerId ?? null
    }
    if (input.agentId !== undefined) {
      const agent = await findParticipant(ctx.services.db, input.agentId)
      // Someone else's agent answers like a missing one.
      if (!agent || agent.kind !== 'agent' || (ownerId !== null && agent.owner_id !== ownerId)) throw notFound('agent')
    }
    const limit = input.limit ?? 30
    const viewerId = actor.kind === 'user' ? actor.id : null
    const rows = await listConversationsOfAgents(ctx.services.db, {
      ownerId,
      agentId: input.agentId ?? null,
      viewerId,
      after: input.cursor ? decodeCursor(input.cursor, ['timestamp', 'uuid'] as const) : undefined,
      limit: limit + 1,
    })
    return keysetPage(
      rows,
      limit,
      (r) => ({ ...toConversationView(r, actor.kind === 'server' ? 'server' : r.member ? 'member' : 'agent_owner'), agentIds: r.agent_ids }),
      (last) => [iso(last.last_activity_at), last.id],
    )
  },
})
