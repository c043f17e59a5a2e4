import type { ChildProcess } from 'node:child_process'

/** Child processes this bench started and has not yet seen exit. */
export const children = new Set<ChildProcess>()

/** Async clean-ups (drop the scratch database, remove temp folders), run once, newest first. */
const tasks: (() => Promise<void> | void)[] = []

export function onCleanup(task: () => Promise<void> | void): () => void {
  tasks.push(task)
  return () => {
    const i = tasks.indexOf(task)
    if (i >= 0) tasks.splice(i, 1)
  }
}

let running: Promise<void> | undefined

/** Kills the children this bench started (by their own handle), then runs the clean-ups. */
export function cleanupAll(): Promise<void> {
  running ??= (async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
    children.clear()
    while (tasks.length) {
      const t = tasks.pop()!
      try {
        await t()
      } catch (err) {
        process.stderr.write(`clean-up failed: ${(err as Error).message}\n`)
      }
    }
  })()
  return running
}

/** Installs signal and exit handlers: an interrupted bench still stops its children and drops its database. */
export function installHandlers(): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\n${sig}: stopping the bench and cleaning up…\n`)
      const hard = setTimeout(() => process.exit(130), 30_000)
      void cleanupAll().finally(() => {
        clearTimeout(hard)
        process.exit(130)
      })
    })
  }
  // Last resort (synchronous): never leave a server child behind.
  process.once('exit', () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  })
}
