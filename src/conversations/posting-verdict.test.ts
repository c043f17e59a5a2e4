import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { postingVerdict } from './posting-rule.js'

describeStores('posting rule', (h) => {
  it('the SQL rule of the send batch and the TypeScript rule agree on every combination', async () => {
    const cases: [string, boolean, boolean, string | null, boolean][] = []
    for (const type of ['dm', 'group', 'channel'])
      for (const locked of [false, true])
        for (const archived of [false, true])
          for (const role of [null, 'member', 'admin'])
            for (const canPost of [false, true]) cases.push([type, locked, archived, role, canPost])
    for (const [type, locked, archived, role, canPost] of cases) {
      const [row] = await h().db.query<{ v: string | null }>('SELECT parley_posting_verdict($1, $2, $3, $4, $5) AS v', [type, locked, archived, role, canPost])
      const ts = postingVerdict({ type, locked, archived }, role === null ? undefined : { role, can_post: canPost })
      expect([type, locked, archived, role, canPost, row.v]).toEqual([type, locked, archived, role, canPost, ts])
    }
    expect(cases).toHaveLength(72)
  })
})
