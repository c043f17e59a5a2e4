import { Type } from '@sinclair/typebox'
import { defineOp } from '../ops/define-op.js'
import { Input, Seq, Uuid } from '../ops/schemas.js'
import { loadConversationFor } from '../conversations/access.js'
import { advanceDeliveredCursor } from './reads.sql.js'

export const markConversationDeliveredOp = defineOp({
  id: 'mark-conversation-delivered',
  path: '/v1/conversations/{id}/delivered',
  tag: 'reads',
  summary: 'Acknowledge receipt: move the caller’s delivered cursor forward to `seq`',
  description:
    'Clients call this (over the socket, typically) with the highest seq they have received, so senders can ' +
    'show "delivered". Members only. Forward only; a `seq` past the conversation’s last seq counts as the last ' +
    'seq. When it moves, the other members’ sockets get an ephemeral `delivery` event `{ userId, lastDeliveredSeq }` ' +
    '(no seq: acknowledging a delivery must not itself be something to acknowledge). Reading implies delivery.',
  callers: ['user', 'agent'],
  input: Input({ id: Uuid(), seq: Seq() }),
  output: Type.Object({ lastDeliveredSeq: Type.Integer() }),
  async run(ctx, { id, seq }) {
    const { conv, member } = await loadConversationFor(ctx.services.db, ctx.actor, id, 'member')
    const m = member!
    const target = Math.min(seq, conv.last_seq)
    const moved = await advanceDeliveredCursor(ctx.services.db, conv.id, m.member_id, target)
    if (moved !== undefined) ctx.services.realtime.delivered(conv.id, m.member_id, moved)
    return { lastDeliveredSeq: moved ?? Math.max(m.last_read_seq, m.last_delivered_seq) }
  },
})
