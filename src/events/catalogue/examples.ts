import type { Conversation } from '../../conversations/conversations.schemas.js'
import type { Member } from '../../members/members.schemas.js'
import type { Message } from '../../messages/messages.schemas.js'

/**
 * Shared example views for the catalogue's `examples`: whole objects, so each example is a
 * payload a client could really receive (the catalogue test validates every one).
 */
export const CONVERSATION_ID = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'
export const MESSAGE_ID = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a99'
export const AT = '2025-01-02T03:04:05.678Z'

export const exampleConversation: Conversation = {
  id: CONVERSATION_ID,
  type: 'group',
  name: 'Launch',
  description: null,
  visibility: 'private',
  externalRef: null,
  metadata: {},
  settings: { maxMembers: 100, locked: false },
  agentId: null,
  createdBy: 'ada',
  memberCount: 2,
  lastSeq: 1,
  lastActivityAt: AT,
  archivedAt: null,
  createdAt: AT,
  updatedAt: AT,
  lastMessage: null,
  access: 'member',
  membership: null,
}

export const exampleMember: Member = {
  userId: 'bob',
  kind: 'user',
  name: 'Bob',
  avatarUrl: null,
  role: 'member',
  canPost: true,
  joinedAt: AT,
  lastReadSeq: 0,
}

export const exampleMessage: Message = {
  id: MESSAGE_ID,
  conversationId: CONVERSATION_ID,
  seq: 42,
  senderId: 'ada',
  senderKind: 'user',
  kind: 'text',
  content: 'Hello Bob',
  clientMsgId: 'm-1',
  createdAt: AT,
  editedAt: null,
  deletedAt: null,
  replyToId: null,
  threadRootId: null,
  forwardOf: null,
  mentions: [],
  wildcardMention: null,
  metadata: null,
  reactions: {},
  pinnedAt: null,
  pinnedBy: null,
  attachments: [],
  linkPreviews: [],
  thread: null,
  system: null,
}
