import { Type } from '@sinclair/typebox'
import { defineOp } from '../ops/define-op.js'
import { conflict, forbidden, notFound } from '../ops/errors.js'
import { checkMetadata } from '../ops/metadata.js'
import { Cursor, Input, Limit, Metadata, Name, Nullable, Page, ParticipantId, Url } from '../ops/schemas.js'
import { decodeCursor } from '../lib/cursor.js'
import { keysetPage } from '../lib/page.js'
import { Participant } from './users.schemas.js'
import { deactivateParticipant, findVisibleParticipant, searchParticipants, toParticipantView, upsertUser } from './users.sql.js'
import { directoryViewer } from './directory.js'

const ANY = ['server', 'user', 'agent'] as const

export const upsertUserOp = defineOp({
  id: 'upsert-user',
  path: '/v1/users/upsert',
  tag: 'identity',
  summary: 'Create or update a user (the app backend provisions its users)',
  description:
    'Idempotent. Omitted optional fields keep their stored value; `avatarUrl: null` clears it. ' +
    'An id already taken by an agent is a conflict.',
  callers: ['server'],
  input: Input({ id: ParticipantId('the app’s own user id'), name: Name(), avatarUrl: Type.Optional(Nullable(Url())), metadata: Type.Optional(Metadata()) }),
  output: Participant,
  async run(ctx, input) {
    checkMetadata('metadata', input.metadata)
    const res = await upsertUser(ctx.services.db, input)
    if (!res) throw conflict(`id ${input.id} belongs to an agent`)
    return toParticipantView(res.row)
  },
})

export const getUserOp = defineOp({
  id: 'get-user',
  path: '/v1/users/{id}/get',
  tag: 'identity',
  summary: 'Get a user or agent by id',
  description:
    'With `PARLEY_DIRECTORY=shared`, a user or agent gets only participants they may see (themself, their ' +
    'agents or owner, and members of a conversation they are in); any other id answers 404 exactly like an ' +
    'unknown one. The server key, and everyone in the default `open` directory, gets any participant.',
  callers: ANY,
  input: Input({ id: ParticipantId() }),
  output: Participant,
  async run(ctx, { id }) {
    const row = await findVisibleParticipant(ctx.services.db, directoryViewer(ctx), id)
    if (!row) throw notFound('user')
    return toParticipantView(row)
  },
})

export const listUsersOp = defineOp({
  id: 'list-users',
  path: '/v1/users/list',
  tag: 'identity',
  summary: 'Find users and agents by name or id prefix (to start a conversation)',
  description:
    'Case-insensitive prefix match on name or id, ordered by name. Deactivated participants are left out; ' +
    '`includeDeactivated: true` lists them too and is for the server key only (403 for others). With ' +
    '`PARLEY_DIRECTORY=shared`, a user or agent finds only the participants they may see (themself, their ' +
    'agents or owner, and members of a conversation they are in).',
  callers: ANY,
  input: Input({
    query: Type.Optional(Type.String({ maxLength: 128 })),
    kind: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('agent')])),
    includeDeactivated: Type.Optional(Type.Boolean({ description: 'server key only: list deactivated participants too' })),
    cursor: Type.Optional(Cursor()),
    limit: Type.Optional(Limit(50, 200)),
  }),
  output: Page(Participant),
  async run(ctx, input) {
    // Deactivated accounts are the app's business, not a directory entry for other participants.
    if (input.includeDeactivated && ctx.actor.kind !== 'server') throw forbidden('only the server key may list deactivated participants')
    const limit = input.limit ?? 50
    const after = input.cursor ? decodeCursor(input.cursor, ['string', 'string'] as const) : undefined
    const rows = await searchParticipants(ctx.services.db, {
      prefix: input.query?.trim() || undefined,
      kind: input.kind,
      after,
      limit: limit + 1,
      includeDeactivated: input.includeDeactivated ?? false,
      viewerId: directoryViewer(ctx),
    })
    return keysetPage(rows, limit, toParticipantView, (last) => [last.name.toLowerCase(), last.id])
  },
})

export const deactivateUserOp = defineOp({
  id: 'deactivate-user',
  path: '/v1/users/{id}/deactivate',
  tag: 'identity',
  summary: 'Deactivate a user: their tokens stop working, their agents stop acting; history stays',
  callers: ['server'],
  input: Input({ id: ParticipantId() }),
  output: Participant,
  async run(ctx, { id }) {
    const row = await deactivateParticipant(ctx.services.db, id)
    if (!row) throw notFound('user')
    // Their tokens and their agents' keys stop working on every node now, and the sockets using them close.
    ctx.services.realtime.revoke(id, 'deactivated')
    return toParticipantView(row)
  },
})

export const usersOps = [upsertUserOp, getUserOp, listUsersOp, deactivateUserOp]
