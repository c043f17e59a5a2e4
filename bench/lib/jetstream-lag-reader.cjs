// A JetStream reader in a thread of its own, so that reading the stream never takes time from
// the load generator (at 5,000 sends/s, one thread doing both fell behind and offered less).
// Reads `message.created` from the stream from now on and keeps, per message, the time from its
// `occurredAt` to its arrival. Messages: 'count' → { count }, 'stop' → { lags }.
const { parentPort, workerData } = require('node:worker_threads')
const { connect } = require('@nats-io/transport-node')
const { jetstream } = require('@nats-io/jetstream')

async function main() {
  const nc = await connect({ servers: workerData.servers })
  const consumer = await jetstream(nc).consumers.get(workerData.stream, { opt_start_time: new Date().toISOString() })
  const messages = await consumer.consume()
  const lags = []
  parentPort.on('message', async (m) => {
    if (m === 'count') parentPort.postMessage({ count: lags.length })
    else if (m === 'stop') {
      await messages.close()
      parentPort.postMessage({ lags })
      await nc.close()
      parentPort.close()
    }
  })
  parentPort.postMessage({ ready: true })
  for await (const m of messages) {
    const e = m.json()
    if (e.type === 'message.created') lags.push(Date.now() - Date.parse(e.occurredAt))
  }
}

main().catch((err) => {
  parentPort.postMessage({ error: String(err && err.stack ? err.stack : err) })
})
