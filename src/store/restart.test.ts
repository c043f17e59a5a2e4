import { expect, it } from 'vitest'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { createParley } from '../app.js'
import { loadConfig } from '../config.js'

async function start(dataDir: string) {
  const p = await createParley(loadConfig({ PARLEY_DATA_DIR: dataDir }), { log: pino({ level: 'silent' }) })
  await p.app.ready()
  const call = async (url: string, token: string, body: unknown) => {
    const res = await p.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) })
    return { status: res.statusCode, body: res.json() }
  }
  return { p, call, serverKey: p.services.config.serverKey! }
}

it('PGlite: data, the generated server key and JWT secret survive a restart on the same folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-restart-'))
  try {
    const first = await start(dir)
    expect(first.p.generated).toEqual({ serverKey: true, jwtSecret: true })
    expect(statSync(join(dir, 'server-key')).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600)
    await first.call('/v1/users/upsert', first.serverKey, { id: 'ann', name: 'Ann' })
    const { body: tok } = await first.call('/v1/auth/tokens/create', first.serverKey, { userId: 'ann' })
    const { body: conv } = await first.call('/v1/conversations/create', tok.token, { type: 'group', name: 'persist' })
    const { body: msg } = await first.call('/v1/messages/send', tok.token, { conversationId: conv.id, content: 'still here?' })
    await first.p.close()

    // While another live process holds the folder, a start is refused rather than corrupting it.
    writeFileSync(join(dir, 'parley.pid'), String(process.ppid))
    await expect(start(dir)).rejects.toThrow(/in use by process/)
    rmSync(join(dir, 'parley.pid'))

    const second = await start(dir)
    expect(second.p.generated).toEqual({ serverKey: false, jwtSecret: false })
    expect(second.serverKey).toBe(first.serverKey)
    // The token minted before the restart still verifies: the JWT secret was kept.
    const list = await second.call('/v1/messages/list', tok.token, { conversationId: conv.id })
    expect(list.status).toBe(200)
    expect(list.body.data).toEqual([msg])
    const next = await second.call('/v1/messages/send', tok.token, { conversationId: conv.id, content: 'yes' })
    expect(next.body.seq).toBe(msg.seq + 1)
    await second.p.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}, 60_000)
