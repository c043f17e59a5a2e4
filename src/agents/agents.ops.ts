import { randomBytes } from 'node:crypto'
import { defineOp } from '../ops/define-op.js'
import type { Actor, OpContext } from '../ops/context.js'
import { conflict, forbidden, invalidField, notFound } from '../ops/errors.js'
import { checkMetadata } from '../ops/metadata.js'
import { transact } from '../ops/transaction.js'
import { decodeCursor } from '../lib/cursor.js'
import { keysetPage } from '../lib/page.js'
import { newAgentKey, sha256Hex } from '../auth/keys.js'
import { Agent, AgentIdInput, AgentPage, AgentWithKey, CreateAgentInput, ListAgentsInput, UpdateAgentInput } from './agents.schemas.js'
import { listAgentConversationsOp } from './list-agent-conversations.js'
import {
  insertAgent,
  listLiveAgents,
  lockOwner,
  replaceAgentKeyHash,
  softDeleteAgent,
  toAgentView,
  updateAgent,
  type AgentRow,
  type OwnerScope,
} from './agents.sql.js'

/** Agents never manage agents: an agent key that leaks must not be able to mint more keys. */
const OWNER_OR_SERVER = ['server', 'user'] as const

const AGENT_NOT_FOUND = () => notFound('agent')

/**
 * The owner scope of a write on an existing agent: the server key may touch any agent, a user
 * only their own. Another user's agent answers 404 like a missing one, so ids do not leak.
 */
function scopeOf(actor: Actor): OwnerScope {
  if (actor.kind === 'server') return null
  if (actor.kind === 'user') return actor.id
  throw forbidden('an agent key cannot manage agents') // unreachable behind OWNER_OR_SERVER; kept for safety
}

/** Runs a scoped write; no row means missing, deleted or not the caller's, all one answer. */
async function mustExist(row: Promise<AgentRow | undefined>): Promise<AgentRow> {
  const r = await row
  if (!r) throw AGENT_NOT_FOUND()
  return r
}

function resolveOwner(actor: Actor, ownerId: string | undefined): string {
  if (actor.kind === 'user') {
    if (ownerId !== undefined && ownerId !== actor.id) throw forbidden('a user may only create agents they own')
    return actor.id
  }
  if (ownerId === undefined) throw invalidField('ownerId', 'is required when calling with the server key')
  return ownerId
}

export const createAgentOp = defineOp({
  id: 'create-agent',
  path: '/v1/agents/create',
  tag: 'agents',
  summary: 'Create an agent owned by a user; answers its API key, once',
  description:
    'A user creates agents they own (`ownerId` defaults to them); the server key names the owner. ' +
    'The owner must be an active user. An `id` already used by any participant, even a deleted agent, ' +
    'is a conflict. With `PARLEY_DIRECTORY=shared` only the server key may choose the `id` (403 for a user): ' +
    'the conflict would tell a user which ids exist. Only the sha256 of `apiKey` is kept: store the key, it ' +
    'cannot be shown again.',
  callers: OWNER_OR_SERVER,
  status: 201,
  input: CreateAgentInput,
  output: AgentWithKey,
  async run(ctx, input) {
    checkMetadata('metadata', input.metadata)
    const ownerId = resolveOwner(ctx.actor, input.ownerId)
    // A chosen id that is taken answers 409: in a shared directory, an oracle for who exists.
    if (input.id !== undefined && ctx.actor.kind !== 'server' && ctx.services.config.directory === 'shared') {
      throw forbidden('with a shared directory only the server key chooses agent ids; leave id out to have one generated')
    }
    const id = input.id ?? `agent_${randomBytes(10).toString('hex')}`
    const apiKey = newAgentKey()
    const row = await transact(ctx, async (tx) => {
      const owner = await lockOwner(tx, ownerId)
      if (!owner || owner.kind !== 'user') throw notFound('owner')
      if (owner.deactivated_at) throw conflict('the owner is deactivated')
      const inserted = await insertAgent(tx, { ...input, id, ownerId, keyHash: sha256Hex(apiKey) })
      if (!inserted) throw conflict(`id ${id} is already used by a participant`)
      return inserted
    })
    return { agent: toAgentView(row), apiKey }
  },
})

export const listAgentsOp = defineOp({
  id: 'list-agents',
  path: '/v1/agents/list',
  tag: 'agents',
  summary: 'List agents: a user’s own, or (server key) all, optionally of one owner',
  description: 'Oldest first (by creation), keyset-paged. Deleted agents are not listed.',
  callers: OWNER_OR_SERVER,
  input: ListAgentsInput,
  output: AgentPage,
  async run(ctx, input) {
    let ownerId = input.ownerId
    if (ctx.actor.kind === 'user') {
      if (ownerId !== undefined && ownerId !== ctx.actor.id) throw forbidden('a user may only list their own agents')
      ownerId = ctx.actor.id
    }
    const limit = input.limit ?? 50
    const after = input.cursor ? decodeCursor(input.cursor, ['timestamp', 'string'] as const) : undefined
    const rows = await listLiveAgents(ctx.services.db, { ownerId, after, limit: limit + 1 })
    return keysetPage(rows, limit, toAgentView, (last) => [last.cursor_ts, last.id])
  },
})

export const updateAgentOp = defineOp({
  id: 'update-agent',
  path: '/v1/agents/{id}/update',
  tag: 'agents',
  summary: 'Change an agent’s name, avatar, webhook, description or metadata',
  description: 'Owner or server key. Omitted fields keep their value; `null` clears avatarUrl, webhookUrl or description; `metadata` replaces the object.',
  callers: OWNER_OR_SERVER,
  input: UpdateAgentInput,
  output: Agent,
  async run(ctx, { id, ...patch }) {
    checkMetadata('metadata', patch.metadata)
    const row = await mustExist(updateAgent(ctx.services.db, id, scopeOf(ctx.actor), patch))
    forgetAgent(ctx, id)
    return toAgentView(row)
  },
})

export const rotateAgentKeyOp = defineOp({
  id: 'rotate-agent-key',
  path: '/v1/agents/{id}/rotate-key',
  tag: 'agents',
  summary: 'Issue a new API key for an agent; the old key stops working',
  description:
    'Owner or server key. The new key is answered once. The old key fails at once on every node, and ' +
    'sockets opened with it close (4001); a node the news does not reach refuses it within 5 seconds.',
  callers: OWNER_OR_SERVER,
  input: AgentIdInput,
  output: AgentWithKey,
  async run(ctx, { id }) {
    const apiKey = newAgentKey()
    const row = await mustExist(replaceAgentKeyHash(ctx.services.db, id, scopeOf(ctx.actor), sha256Hex(apiKey)))
    // Every node forgets the old key and closes the sockets opened with it; the agent reconnects with the new one.
    ctx.services.realtime.revoke(id, 'key_rotated')
    return { agent: toAgentView(row), apiKey }
  },
})

export const deleteAgentOp = defineOp({
  id: 'delete-agent',
  path: '/v1/agents/{id}/delete',
  tag: 'agents',
  summary: 'Delete an agent: its key stops working; its messages and memberships stay',
  description: 'Owner or server key. Answers the agent with `deactivatedAt` set. A deleted agent is gone for every agent operation (404), but its id stays taken.',
  callers: OWNER_OR_SERVER,
  input: AgentIdInput,
  output: Agent,
  async run(ctx, { id }) {
    const row = await mustExist(softDeleteAgent(ctx.services.db, id, scopeOf(ctx.actor)))
    ctx.services.realtime.revoke(id, 'deleted')
    return toAgentView(row)
  },
})

/** This node drops its cached look-ups of the agent (an update changes no credential: no revocation). */
function forgetAgent(ctx: OpContext, id: string) {
  ctx.services.auth.forget(id)
}

export const agentsOps = [createAgentOp, listAgentsOp, updateAgentOp, rotateAgentKeyOp, deleteAgentOp, listAgentConversationsOp]
