import { editMessageOp, listMessageEditsOp } from './edit-message.js'
import { deleteMessageOp, listModerationLogOp } from './delete-message.js'

/** Editing and deleting messages, their history and the moderation log (docs/api.md, "Edits, deletes and mentions"). */
export const editsDeletesOps = [editMessageOp, listMessageEditsOp, deleteMessageOp, listModerationLogOp]
