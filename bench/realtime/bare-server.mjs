// The raw baseline of the real-time bench: a bare `ws` broadcast server, nothing else.
// Clients connect to ws://127.0.0.1:<port>/<room>; any text frame a client sends is sent,
// as received (one buffer, framed per client by ws), to every client of that room, the sender
// included. No auth, no storage, no JSON. Usage: node bench/realtime/bare-server.mjs <port>
import { WebSocketServer } from 'ws'

const port = Number(process.argv[2] ?? 0)
const rooms = new Map()
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, clientTracking: false })

wss.on('connection', (ws, req) => {
  const name = req.url ?? '/'
  let room = rooms.get(name)
  if (!room) rooms.set(name, (room = new Set()))
  room.add(ws)
  ws.on('message', (data, isBinary) => {
    for (const c of room) if (c.readyState === 1) c.send(data, { binary: isBinary })
  })
  const leave = () => {
    room.delete(ws)
    if (room.size === 0 && rooms.get(name) === room) rooms.delete(name)
  }
  ws.on('close', leave)
  ws.on('error', leave)
})

wss.on('listening', () => {
  process.stdout.write(`bare ws listening on ${wss.address().port}\n`)
})

for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0))
