import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'

/** The longest ids the service accepts: 128 characters, plain or all needing percent-encoding in a path. */
const longIds = (tag: string) => [`${tag}_`.padEnd(128, 'x'), `${tag}|`.padEnd(128, '|:@+=')]

describeStores('path parameters', (h) => {
  it('a 128-character user id works in get and deactivate', async () => {
    for (const id of longIds(h().uid('lu'))) {
      expect(id).toHaveLength(128)
      await h().ok('upsert-user', { id, name: 'Long' }, h().serverKey)
      const got = await h().call('get-user', { id }, h().serverKey)
      expect([got.status, got.body.id]).toEqual([200, id])
      const off = await h().call('deactivate-user', { id }, h().serverKey)
      expect([off.status, off.body.id]).toEqual([200, id])
    }
  })

  it('a 128-character agent id works in every agent path', async () => {
    const owner = await h().user()
    for (const id of longIds(h().uid('la'))) {
      const created = await h().call('create-agent', { id, name: 'Long agent' }, owner.token)
      expect([created.status, created.body.agent?.id]).toEqual([201, id])
      const updated = await h().call('update-agent', { id, name: 'Renamed' }, owner.token)
      expect([updated.status, updated.body.name]).toEqual([200, 'Renamed'])
      const rotated = await h().call('rotate-agent-key', { id }, owner.token)
      expect([rotated.status, rotated.body.agent?.id]).toEqual([200, id])
      const asAgent = await h().call('get-user', { id }, rotated.body.apiKey)
      expect([asAgent.status, asAgent.body.id]).toEqual([200, id])
      const deleted = await h().call('delete-agent', { id }, owner.token)
      expect([deleted.status, deleted.body.id]).toEqual([200, id])
    }
  })
})
