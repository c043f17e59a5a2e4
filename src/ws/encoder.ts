import { toEventFrame } from '../events/event-frame.js'
import { PROTOCOL_VERSION } from '../protocol/frames.js'
import type { ProtocolEncoder } from '../realtime/encoders.js'

/** The engine's name for the native protocol (src/protocol/frames.ts) at the version this server speaks. */
export const NATIVE_PROTOCOL = `parley.v${PROTOCOL_VERSION}`

/**
 * How the native protocol writes the engine's events: `event` frames, JSON. A committed event
 * has the shape `sync` replays (toEventFrame); an ephemeral one has no seq, and a presence
 * event no conversationId.
 */
export const nativeEncoder: ProtocolEncoder = {
  protocol: NATIVE_PROTOCOL,
  event: (e) => JSON.stringify(toEventFrame(e)),
  ephemeral: (e) =>
    JSON.stringify(
      e.type === 'presence'
        ? { type: 'event', event: e.type, data: e.data }
        : { type: 'event', event: e.type, conversationId: e.conversationId, data: e.data },
    ),
}
