import { Type } from '@sinclair/typebox'
import { defineEvent } from './define.js'

/** A member's read cursor moved forward (their other devices and read receipts follow it). */
export const readUpdated = defineEvent({
  type: 'read.updated',
  kind: 'durable',
  summary: 'A member’s read cursor moved forward',
  description: 'Emitted by mark-conversation-read when the cursor moves (never backwards; no event when it stays).',
  data: Type.Object({ userId: Type.String(), lastReadSeq: Type.Integer() }, { additionalProperties: false }),
  examples: [{ userId: 'bob', lastReadSeq: 42 }],
})
