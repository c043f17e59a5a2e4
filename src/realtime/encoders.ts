import type { StoredEvent } from '../events/event-types.js'

/** An ephemeral event as the engine fans it out: never stored, no seq. */
export type EphemeralEvent =
  | { type: 'typing'; conversationId: string; data: { userId: string; expiresAt: string } | { userId: string; stopped: true } }
  | { type: 'delivery'; conversationId: string; data: { userId: string; lastDeliveredSeq: number } }
  /** About a participant, not a conversation. */
  | { type: 'presence'; data: { userId: string; online: boolean; lastSeenAt: string | null } }

/**
 * How one wire protocol writes the engine's events. Each adapter brings its own and registers
 * it under the protocol its sessions state; the engine only routes strings.
 */
export interface ProtocolEncoder {
  readonly protocol: string
  /** A committed event, live (and, for protocols that replay, in the same shape as a replay). */
  event(e: StoredEvent): string
  ephemeral(e: EphemeralEvent): string
}

/**
 * The encoders known to one engine, keyed by protocol. Like Centrifuge's prepared frames keyed
 * by protocol type: a fan-out encodes an event once per protocol among its recipients, however
 * many sessions of each there are.
 */
export class Encoders {
  private readonly byProtocol = new Map<string, ProtocolEncoder>()

  register(encoder: ProtocolEncoder): this {
    if (this.byProtocol.has(encoder.protocol)) throw new Error(`an encoder for ${encoder.protocol} is already registered`)
    this.byProtocol.set(encoder.protocol, encoder)
    return this
  }

  has(protocol: string): boolean {
    return this.byProtocol.has(protocol)
  }

  /** One fan-out of one event: `frame.for(protocol)` encodes on first use per protocol. */
  prepare(encode: (encoder: ProtocolEncoder) => string): PreparedFrame {
    return new PreparedFrame(this.byProtocol, encode)
  }
}

/**
 * An event's frames for one fan-out, encoded lazily and at most once per protocol. Almost every
 * fan-out has one protocol, so the last one asked is kept in two fields ahead of the map.
 */
export class PreparedFrame {
  private lastProtocol?: string
  private lastFrame = ''
  private others?: Map<string, string>

  constructor(
    private readonly encoders: ReadonlyMap<string, ProtocolEncoder>,
    private readonly encode: (encoder: ProtocolEncoder) => string,
  ) {}

  for(protocol: string): string {
    if (protocol === this.lastProtocol) return this.lastFrame
    let frame = this.others?.get(protocol)
    if (frame === undefined) {
      const encoder = this.encoders.get(protocol)
      // attach refuses sessions of unknown protocols: reaching this is a programming error.
      if (!encoder) throw new Error(`no encoder for protocol ${protocol}`)
      frame = this.encode(encoder)
      ;(this.others ??= new Map()).set(protocol, frame)
    }
    this.lastProtocol = protocol
    this.lastFrame = frame
    return frame
  }
}
