/** Messages between a node's main thread and its consumer thread (consumer-thread.ts, thread.ts). */
export type ToThread = { type: 'wake' } | { type: 'close' }

export type FromThread =
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  | { type: 'lag'; consumer: string; events: number; seconds: number }
  | { type: 'clear'; consumer: string }
  | { type: 'closed' }
