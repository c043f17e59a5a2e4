import { Type } from '@sinclair/typebox'
import { defineEvent } from './define.js'
import { MESSAGE_ID } from './examples.js'

/** A member's read cursor moved forward (their other devices and read receipts follow it). */
export const readUpdated = defineEvent({
  type: 'read.updated',
  kind: 'durable',
  summary: 'A member’s read cursor moved forward',
  description: 'Emitted by mark-conversation-read when the cursor moves (never backwards; no event when it stays).',
  data: Type.Object({ userId: Type.String(), lastReadSeq: Type.Integer() }, { additionalProperties: false }),
  examples: [{ userId: 'bob', lastReadSeq: 42 }],
})

/**
 * A member's read cursor in one thread moved forward. Carries the member's unread thread count
 * after the move, so their other devices set it exactly even without the thread loaded.
 */
export const threadReadUpdated = defineEvent({
  type: 'thread.read.updated',
  kind: 'durable',
  summary: 'A member’s read cursor in a thread moved forward',
  description:
    'Emitted by mark-thread-read when the cursor moves (never backwards; no event when it stays). `threadRootId` names ' +
    'the thread by its root; `unreadThreadCount` is the member’s count of unread threads in the conversation after the move.',
  data: Type.Object(
    {
      userId: Type.String(),
      threadRootId: Type.String(),
      lastReadSeq: Type.Integer(),
      unreadThreadCount: Type.Integer({ description: 'the member’s unread threads in this conversation after the move' }),
    },
    { additionalProperties: false },
  ),
  examples: [{ userId: 'bob', threadRootId: MESSAGE_ID, lastReadSeq: 57, unreadThreadCount: 0 }],
})
