import type { TSchema } from '@sinclair/typebox'
import { durableEvents, ephemeralEvents, type EventDefinition } from '../events/catalogue/index.js'

/** Plain JSON Schema: TypeBox's symbol keys dropped. */
const plain = (s: TSchema): Record<string, unknown> => JSON.parse(JSON.stringify(s))
const dataRef = (d: EventDefinition) => ({ $ref: `#/components/schemas/${d.type}` })
const str = (description?: string) => ({ type: 'string', ...(description ? { description } : {}) })
const nullableStr = (description: string) => ({ type: ['string', 'null'], description })

/** The socket frame of an event: what `GET /v1/ws` sends (and `sync` replays, without `type`). */
function frameSchema(d: EventDefinition): Record<string, unknown> {
  const durable = d.kind === 'durable'
  const properties: Record<string, unknown> = {
    type: { const: 'event' },
    event: { const: d.type },
    ...(d.scope === 'participant' ? {} : { conversationId: str() }),
    ...(durable ? { seq: { type: 'integer', description: 'the event’s position in its conversation' }, actorId: nullableStr('who caused it; null for the server key'), createdAt: { type: 'string', format: 'date-time' } } : {}),
    data: dataRef(d),
  }
  return { type: 'object', properties, required: Object.keys(properties) }
}

function frameExample(d: EventDefinition, data: unknown): Record<string, unknown> {
  return {
    type: 'event',
    event: d.type,
    ...(d.scope === 'participant' ? {} : { conversationId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' }),
    ...(d.kind === 'durable' ? { seq: 42, actorId: 'ada', createdAt: '2025-01-02T03:04:05.678Z' } : {}),
    data,
  }
}

/** The envelope of a durable event on the JetStream stream, for other systems. */
function domainEventSchema(d: EventDefinition): Record<string, unknown> {
  return {
    type: 'object',
    required: ['id', 'type', 'conversationId', 'conversationType', 'seq', 'actor', 'occurredAt', 'data'],
    properties: {
      id: str('`<conversationId>:<seq>`: unique, and the stream’s dedupe key (Nats-Msg-Id)'),
      type: { const: d.type },
      conversationId: str(),
      conversationType: { type: 'string', enum: ['dm', 'group', 'channel'] },
      seq: { type: 'integer' },
      actor: {
        description: 'who caused it; null when the app’s backend (the server key) acted as itself',
        anyOf: [
          { type: 'object', required: ['id', 'kind'], properties: { id: str(), kind: { type: 'string', enum: ['user', 'agent'] }, via: str('the channel it came through, when known') } },
          { type: 'null' },
        ],
      },
      occurredAt: { type: 'string', format: 'date-time', description: 'commit time' },
      data: dataRef(d),
    },
  }
}

function message(d: EventDefinition, payload: Record<string, unknown>, example: (data: unknown) => unknown) {
  return {
    name: d.type,
    title: d.type,
    summary: d.summary,
    description: d.description,
    contentType: 'application/json',
    payload,
    examples: d.examples.map((data, i) => ({ name: `${d.type}-${i + 1}`, payload: example(data) })),
  }
}

/**
 * The AsyncAPI 3.0 document of Parley's events, built from the event catalogue at startup (so
 * it cannot go stale): every WebSocket event frame on `/v1/ws`, and every durable event as
 * published to the NATS JetStream stream PARLEY_EVENTS on `messaging.<eventType>`.
 */
export function buildAsyncApi(version: string) {
  const all = [...durableEvents, ...ephemeralEvents] as readonly EventDefinition[]
  const wsMessages = Object.fromEntries(all.map((d) => [d.type, message(d, frameSchema(d), (data) => frameExample(d, data))]))
  const natsMessages = Object.fromEntries(
    durableEvents.map((d) => [
      d.type,
      message(d, domainEventSchema(d), (data) => ({
        id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b:42',
        type: d.type,
        conversationId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
        conversationType: 'group',
        seq: 42,
        actor: { id: 'ada', kind: 'user' },
        occurredAt: '2025-01-02T03:04:05.678Z',
        data,
      })),
    ]),
  )
  const refs = (channel: string, names: string[]) => names.map((n) => ({ $ref: `#/channels/${channel}/messages/${n}` }))
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Parley events',
      version,
      description:
        'Every event Parley emits. Over the WebSocket (`GET /v1/ws`): durable events carry their conversation’s `seq` ' +
        'and are replayed by `sync`; ephemeral ones (typing, delivery, presence) are never stored. On NATS JetStream: ' +
        'every durable event, for other systems. Clients should ignore fields they do not know. The HTTP API is at /docs.',
    },
    defaultContentType: 'application/json',
    servers: {
      websocket: { host: '{host}', protocol: 'wss', description: 'the Parley service (ws:// without TLS)', variables: { host: { default: 'localhost:8080' } } },
      nats: { host: '{host}', protocol: 'nats', description: 'the NATS cluster Parley publishes to', variables: { host: { default: 'localhost:4222' } } },
    },
    channels: {
      websocket: {
        address: '/v1/ws',
        title: 'Real-time socket',
        description: 'Authenticate with `?token=` or an `auth` frame; state the protocol with `?protocol=1` (close 4012 if unsupported).',
        servers: [{ $ref: '#/servers/websocket' }],
        messages: wsMessages,
      },
      domainEvents: {
        address: 'messaging.{eventType}',
        title: 'Domain events (stream PARLEY_EVENTS)',
        description:
          'Durable events on the JetStream stream `PARLEY_EVENTS` (subject prefix `messaging.`, both configurable), ' +
          'one message per event, deduplicated by `id`; in seq order per conversation.',
        servers: [{ $ref: '#/servers/nats' }],
        parameters: { eventType: { enum: durableEvents.map((d) => d.type), description: 'the event’s type' } },
        messages: natsMessages,
        'x-parley-stream': 'PARLEY_EVENTS',
      },
    },
    operations: {
      receiveSocketEvents: {
        action: 'receive',
        title: 'Receive events on the socket',
        channel: { $ref: '#/channels/websocket' },
        messages: refs('websocket', all.map((d) => d.type)),
      },
      consumeDomainEvents: {
        action: 'receive',
        title: 'Consume domain events from JetStream',
        channel: { $ref: '#/channels/domainEvents' },
        messages: refs('domainEvents', durableEvents.map((d) => d.type)),
      },
    },
    components: { schemas: Object.fromEntries(all.map((d) => [d.type, plain(d.data)])) },
  }
}
