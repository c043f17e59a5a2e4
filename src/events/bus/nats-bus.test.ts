/**
 * What only the NATS bus has: a subject prefix on the wire, and an outage. The outage tests
 * run a private nats-server on a free loopback port, stop it and start it again, so they
 * never disturb the shared server; they run when PARLEY_TEST_NATS_URL is set (CI) and a
 * nats-server binary is installed.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '@nats-io/transport-node'
import { NatsBus } from './nats-bus.js'
import { collector, recordingLog, testNatsUrl, waitFor } from './test-fixtures.js'
import { natsServerBin, PrivateNats } from '../../../test/private-nats.js'

const opened: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()))
})
function keep<T extends { close(): Promise<void> }>(x: T): T {
  opened.push(x)
  return x
}

describe.skipIf(!testNatsUrl)('NatsBus on the shared NATS', () => {
  it('puts the prefix on the wire and takes it off for handlers; clusters with other prefixes do not meet', async () => {
    const url = testNatsUrl!
    const tag = Math.random().toString(36).slice(2, 8)
    const blue = keep(await NatsBus.connect({ url, prefix: `blue_${tag}`, log: recordingLog() }))
    const green = keep(await NatsBus.connect({ url, prefix: `green_${tag}.`, log: recordingLog() }))
    const raw = await connect({ servers: url.replace('nats://', '') })
    const wire: string[] = []
    for (const prefix of [`blue_${tag}`, `green_${tag}`]) raw.subscribe(`${prefix}.>`, { callback: (_e, m) => void wire.push(m.subject) })
    await raw.flush()
    const onBlue = collector()
    const onGreen = collector()
    blue.subscribe('>', onBlue.handler)
    green.subscribe('>', onGreen.handler)
    await Promise.all([blue.flush(), green.flush()])
    blue.publish('conv.c1', 'b')
    green.publish('conv.c1', 'g')
    await waitFor(() => onBlue.got.length === 1 && onGreen.got.length === 1 && wire.length === 2)
    expect(onBlue.got).toEqual([{ subject: 'conv.c1', payload: 'b' }])
    expect(onGreen.got).toEqual([{ subject: 'conv.c1', payload: 'g' }])
    expect(wire.sort()).toEqual([`blue_${tag}.conv.c1`, `green_${tag}.conv.c1`])
    await raw.close()
  })
})

describe.skipIf(!testNatsUrl || !natsServerBin)('NatsBus through a NATS outage', () => {
  let server: PrivateNats
  beforeAll(async () => {
    // A plain NATS, stopped cleanly: what the bus must ride out is the server going away.
    server = await PrivateNats.start({ jetstream: false, stopSignal: 'SIGTERM' })
    return () => server.destroy()
  })

  const fast = { reconnectBaseMs: 10, reconnectMaxMs: 50 }

  it('keeps publishes made while disconnected and sends them, in order, on reconnect; tells onReconnect listeners', async () => {
    const bus = keep(await NatsBus.connect({ url: server.url, log: recordingLog(), ...fast }))
    const c = collector()
    bus.subscribe('r.x', c.handler)
    let reconnects = 0
    bus.onReconnect(() => reconnects++)
    await bus.flush()
    bus.publish('r.x', 'before')
    await waitFor(() => c.got.length === 1)

    await server.stop()
    await waitFor(() => !bus.isConnected, 10_000, 'disconnect noticed')
    for (let i = 0; i < 100; i++) bus.publish('r.x', `during ${i}`)
    const flushed = bus.flush() // waits for the reconnect instead of failing
    await server.start()
    await flushed
    await waitFor(() => reconnects === 1 && c.got.length === 101, 10_000, 'replay after reconnect')
    // The subscription came back with the connection: the bus hears its own replay.
    expect(c.payloads()).toEqual(['before', ...Array.from({ length: 100 }, (_, i) => `during ${i}`)])
    expect(bus.droppedWhileDisconnected).toBe(0)
  })

  it('bounds what it keeps while disconnected: past maxBufferedBytes it drops, counts and logs once', async () => {
    const log = recordingLog()
    const bus = keep(await NatsBus.connect({ url: server.url, log, maxBufferedBytes: 1_000, ...fast }))
    const c = collector()
    bus.subscribe('r.y', c.handler)
    await bus.flush()
    await server.stop()
    await waitFor(() => !bus.isConnected, 10_000, 'disconnect noticed')
    const payload = (i: number) => String(i).padStart(96, '0') // 96 bytes + 3 of subject = 99 each
    for (let i = 0; i < 50; i++) bus.publish('r.y', payload(i))
    await server.start()
    await waitFor(() => bus.isConnected, 10_000, 'reconnect')
    await bus.flush()
    await waitFor(() => c.got.length === 10)
    expect(c.payloads()).toEqual(Array.from({ length: 10 }, (_, i) => payload(i)))
    expect(bus.droppedWhileDisconnected).toBe(40)
    expect(log.entries.filter((e) => e.msg?.startsWith('bus disconnect buffer full'))).toHaveLength(1)
    expect(log.entries.find((e) => e.msg === 'bus reconnected to NATS')?.obj).toMatchObject({ replayed: 10, dropped: 40 })
  })

  it('closes promptly while disconnected', async () => {
    const log = recordingLog()
    const bus = await NatsBus.connect({ url: server.url, log, ...fast })
    bus.subscribe('r.z', () => {})
    await server.stop()
    await waitFor(() => !bus.isConnected, 10_000, 'disconnect noticed')
    bus.publish('r.z', 'lost')
    await bus.close()
    await bus.flush() // inert once closed
    expect(log.entries.some((e) => e.msg?.startsWith('bus closed while disconnected'))).toBe(true)
    await server.start()
  })
})
