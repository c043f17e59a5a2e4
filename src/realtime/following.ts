import type { Bus } from '../events/bus/bus.js'
import { conversationSubject } from '../events/publisher.js'

/**
 * Which conversations this node follows, and for whom. The node subscribes on the bus to
 * exactly the conversations that a participant connected here is in, and drops the
 * subscription when the last of them leaves: one subscription per conversation per node,
 * however many local members share it.
 */
export class Following {
  /** conversation → local participants who are members of it. */
  private readonly members = new Map<string, Set<string>>()
  /** participant → conversations they are in (for detaching). */
  private readonly conversationsOf = new Map<string, Set<string>>()
  private readonly subscriptions = new Map<string, () => void>()

  constructor(
    private readonly bus: Bus,
    /** Everything published on a followed conversation's subject. */
    private readonly onMessage: (payload: string) => void,
  ) {}

  /** Follows a conversation for a local participant; true when the node did not follow it yet. */
  follow(p: string, conversationId: string): boolean {
    let local = this.members.get(conversationId)
    const fresh = !local
    if (!local) {
      this.members.set(conversationId, (local = new Set()))
      this.subscriptions.set(conversationId, this.bus.subscribe(conversationSubject(conversationId), this.onMessage))
    }
    local.add(p)
    let convs = this.conversationsOf.get(p)
    if (!convs) this.conversationsOf.set(p, (convs = new Set()))
    convs.add(conversationId)
    return fresh
  }

  /** Stops following for `p`; true when no local participant is left in it (the node stops following). */
  unfollow(p: string, conversationId: string): boolean {
    this.conversationsOf.get(p)?.delete(conversationId)
    const local = this.members.get(conversationId)
    if (!local) return false
    local.delete(p)
    if (local.size) return false
    this.members.delete(conversationId)
    this.subscriptions.get(conversationId)?.()
    this.subscriptions.delete(conversationId)
    return true
  }

  /** The participant's last session here closed: the conversations they were followed for. */
  leaveAll(p: string): string[] {
    const convs = [...(this.conversationsOf.get(p) ?? [])]
    this.conversationsOf.delete(p)
    return convs
  }

  isFollowed(conversationId: string): boolean {
    return this.members.has(conversationId)
  }

  isMember(p: string, conversationId: string): boolean {
    return this.members.get(conversationId)?.has(p) ?? false
  }

  /** Local participants in the conversation. */
  membersOf(conversationId: string): ReadonlySet<string> {
    return this.members.get(conversationId) ?? EMPTY
  }

  /** Conversations a local participant is in; undefined when they are not connected here. */
  conversationsOfParticipant(p: string): ReadonlySet<string> | undefined {
    return this.conversationsOf.get(p)
  }

  close(): void {
    for (const off of this.subscriptions.values()) off()
    this.subscriptions.clear()
  }
}

const EMPTY: ReadonlySet<string> = new Set()
