// A terminal chat client: prints incoming messages, sends each line you type.
//   PARLEY_URL=http://127.0.0.1:8080 PARLEY_TOKEN=<user JWT from create-token> npx tsx examples/chat.ts
import { createInterface } from 'node:readline'
import WebSocket from 'ws'
import { ParleyClient } from '@parley/client'

const client = new ParleyClient({
  baseUrl: process.env.PARLEY_URL ?? 'http://127.0.0.1:8080',
  token: process.env.PARLEY_TOKEN!,
  WebSocket, // Node 20 has no global WebSocket; browsers do
})
client.on('message.created', ({ data: m }) => console.log(`[${m.conversationId.slice(-6)}] ${m.senderId}: ${m.content}`))
client.on('reset', ({ conversationId }) => console.log(`(too much missed in ${conversationId}: reload it with list-messages)`))
client.on('disconnected', ({ code, willReconnect }) => console.log(`(disconnected ${code}${willReconnect ? ', reconnecting…' : ''})`))

const { data: conversations } = await client.ops.listConversations()
for (const c of conversations) client.setPosition(c.id, c.lastSeq) // seen up to here; resume from here
await client.connect()
const room = conversations[0] ?? (await client.ops.createConversation({ type: 'group', name: 'lobby' }))
console.log(`talking in ${room.name ?? room.id}`)
for await (const line of createInterface({ input: process.stdin })) {
  await client.ops.sendMessage({ conversationId: room.id, content: line })
}
client.disconnect()
