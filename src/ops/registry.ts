import type { AnyOp } from './define-op.js'
import { usersOps } from '../users/users.ops.js'
import { createTokenOp } from '../auth/auth.ops.js'
import { agentsOps } from '../agents/agents.ops.js'
import { messagesOps } from '../messages/messages.ops.js'
import { editsDeletesOps } from '../messages/edits-deletes.ops.js'
import { reactionsOps } from '../messages/reactions.ops.js'
import { pinsOps } from '../messages/pins.ops.js'
import { threadsOps } from '../messages/threads.ops.js'
import { conversationsOps } from '../conversations/conversations.ops.js'
import { membersOps } from '../members/members.ops.js'
import { readsOps } from '../reads/reads.ops.js'
import { syncOp } from '../sync/sync.ops.js'
import { presenceOps } from '../presence/presence.ops.js'
import { searchOps } from '../search/search.ops.js'

/** Every client-facing operation. Adding an operation is adding it here. */
export const allOps: readonly AnyOp[] = [...usersOps, createTokenOp, ...agentsOps, ...conversationsOps, ...membersOps, ...readsOps, ...messagesOps, ...editsDeletesOps, ...reactionsOps, ...pinsOps, ...threadsOps, syncOp, ...presenceOps, ...searchOps] as unknown as AnyOp[]

const byId = new Map(allOps.map((op) => [op.id, op]))
if (byId.size !== allOps.length) throw new Error('duplicate op id in the registry')

export const findOp = (id: string) => byId.get(id)
