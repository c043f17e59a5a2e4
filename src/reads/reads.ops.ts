import { markConversationDeliveredOp } from './mark-delivered.js'
import { markConversationReadOp } from './mark-read.js'

/** Read cursors. */
export const readsOps = [markConversationReadOp, markConversationDeliveredOp]
