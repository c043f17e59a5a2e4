import type { AnyOp } from './define-op.js'
import { usersOps } from '../users/users.ops.js'
import { createTokenOp } from '../auth/auth.ops.js'
import { agentsOps } from '../agents/agents.ops.js'
import { messagesOps } from '../messages/messages.ops.js'
import { conversationsOps } from '../conversations/conversations.ops.js'
import { membersOps } from '../members/members.ops.js'
import { readsOps } from '../reads/reads.ops.js'
import { syncOp } from '../sync/sync.ops.js'
import { presenceOps } from '../presence/presence.ops.js'

/** Every client-facing operation. Adding an operation is adding it here. */
export const allOps: readonly AnyOp[] = [...usersOps, createTokenOp, ...agentsOps, ...conversationsOps, ...membersOps, ...readsOps, ...messagesOps, syncOp, ...presenceOps] as unknown as AnyOp[]

const byId = new Map(allOps.map((op) => [op.id, op]))
if (byId.size !== allOps.length) throw new Error('duplicate op id in the registry')

export const findOp = (id: string) => byId.get(id)
