import type { JetStreamClient, PubAck } from '@nats-io/jetstream'

/**
 * Publishes to one JetStream stream without waiting for each ack before the next send, yet
 * never stores an event after a later one of its conversation.
 *
 * Publishes form one chain: each carries `Nats-Expected-Last-Msg-Id` = the id sent just before
 * it, so the stream stores a message only directly after its predecessor in the chain. When
 * one is not stored (NATS went away, a timeout, a leader change), every later one in the chain
 * fails its expectation instead of landing out of order, and the callers retry them. Since a
 * conversation's events enter the chain in seq order, "stored" is always a prefix per
 * conversation, whatever the chain interleaves. (The stream checks `Nats-Msg-Id` dedupe before
 * the expectation, so a retry of a message that did land is acknowledged as a duplicate.)
 *
 * The chain needs to know the id the stream ends with. At start, and after any failure or
 * duplicate, it does not: publishes then go one at a time, unfenced, each waiting for its ack,
 * until one is stored as new; its id starts the chain again. That is the same one-at-a-time
 * rule the publisher always had, so correctness never depends on the chain's guess: a wrong
 * guess costs one failed publish and a retry.
 *
 * Precondition: this is the stream's only writer (one node holds the consumer's lease). Another
 * writer would only make the chain break and re-form on every publish: slower, never disordered.
 */
export class FencedPublisher {
  /** The id the stream ends with, when `synced`. */
  private last: string | null = null
  private synced = false
  /** Publishes waiting for the chain to be known again, run one at a time in order. */
  private queue: Array<() => Promise<void>> = []
  private draining = false

  constructor(
    private readonly js: JetStreamClient,
    private readonly timeoutMs: number,
  ) {}

  /** Sends in call order; resolves when the stream stored it (or had it already). */
  publish(subject: string, payload: string, msgId: string): Promise<PubAck> {
    if (this.synced && !this.queue.length) return this.sendFenced(subject, payload, msgId)
    return new Promise<PubAck>((resolve, reject) => {
      this.queue.push(async () => {
        // The chain may have been re-formed while this waited: then it simply joins it.
        if (this.synced) return void this.sendFenced(subject, payload, msgId).then(resolve, reject)
        try {
          const ack = await this.js.publish(subject, payload, { msgID: msgId, timeout: this.timeoutMs })
          if (!ack.duplicate && !this.synced) {
            this.last = msgId
            this.synced = true
          }
          resolve(ack)
        } catch (err) {
          reject(err)
        }
      })
      void this.drain()
    })
  }

  private sendFenced(subject: string, payload: string, msgId: string): Promise<PubAck> {
    const expected = this.last!
    this.last = msgId
    const sent = this.js.publish(subject, payload, { msgID: msgId, timeout: this.timeoutMs, expect: { lastMsgID: expected } })
    return sent.then(
      (ack) => {
        // A duplicate landed earlier, somewhere in the stream: the chain's end is unknown now.
        if (ack.duplicate) this.unsync()
        return ack
      },
      (err) => {
        this.unsync()
        throw err
      },
    )
  }

  private unsync(): void {
    this.synced = false
    this.last = null
  }

  private async drain(): Promise<void> {
    if (this.draining) return
    this.draining = true
    try {
      for (let task = this.queue.shift(); task; task = this.queue.shift()) await task()
    } finally {
      this.draining = false
    }
  }
}
