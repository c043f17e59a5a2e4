import { expect, it } from 'vitest'
import { describeStores } from './harness.js'
import { verifyAction } from './verify-action.js'

describeStores('verifyAction', (h) => {
  it('fails, naming the path, when state changes without an event that says so', async () => {
    const [a, b] = await h().users(2)
    const g = await h().ok('create-conversation', { type: 'group', name: 'g', members: [b.id] }, a.token)
    // Preferences are private and emit no event (by design): b's own other devices cannot follow.
    const run = verifyAction(h(), b, () => h().ok('update-conversation-preferences', { id: g.id, starred: true }, b.token))
    await expect(run).rejects.toThrow(`conversations.${g.id}.conversation.membership.preferences.starred`)
  })

  it('fails when the reducer names something stale that the test did not expect', async () => {
    const [a, b] = await h().users(2)
    const g = await h().ok('create-conversation', { type: 'group', name: 'g' }, a.token)
    const run = verifyAction(h(), b, () => h().ok('add-conversation-member', { id: g.id, userIds: [b.id] }, a.token))
    await expect(run).rejects.toThrow(/named stale .*member.added does not carry the other members/)
  })
})
