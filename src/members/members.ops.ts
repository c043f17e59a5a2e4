import { addConversationMemberOp, removeConversationMemberOp } from './add-remove-members.js'
import { joinConversationOp, leaveConversationOp } from './join-leave.js'
import { listConversationMembersOp } from './list-members.js'
import { updateConversationMemberOp } from './update-member.js'
import { updateConversationPreferencesOp } from './update-preferences.js'

/** Membership of conversations: join, leave, add, remove, change, list, and one's own preferences. */
export const membersOps = [
  joinConversationOp,
  leaveConversationOp,
  addConversationMemberOp,
  removeConversationMemberOp,
  updateConversationMemberOp,
  listConversationMembersOp,
  updateConversationPreferencesOp,
]
