import { markConversationReadOp } from './mark-read.js'

/** Read cursors. */
export const readsOps = [markConversationReadOp]
