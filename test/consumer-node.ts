/**
 * A process that runs one durable consumer and nothing else, for the takeover test
 * (src/events/consumers/takeover.test.ts), which kills it with SIGKILL. It prints `owner`
 * once it holds the lease and `handled <conversationId> <seq>` per event it handled.
 */
import pino from 'pino'
import { openStore } from '../src/store/open.js'
import { ConsumerRunner } from '../src/events/consumers/runner.js'

const env = process.env
const db = await openStore({ databaseUrl: env.DATABASE_URL, poolSize: 4 })
let announced = false
const runner = new ConsumerRunner(
  {
    name: env.CONSUMER_NAME!,
    async handle(events) {
      for (const e of events) process.stdout.write(`handled ${e.conversationId} ${e.seq}\n`)
    },
  },
  { db, node: env.CONSUMER_NODE!, log: pino({ level: 'warn' }), leaseMs: Number(env.LEASE_MS), renewMs: Number(env.RENEW_MS), pollMs: 50 },
).start()
setInterval(() => {
  if (runner.isOwner && !announced) {
    announced = true
    process.stdout.write('owner\n')
  }
}, 20)
