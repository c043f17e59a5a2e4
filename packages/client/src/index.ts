/**
 * @parley/client — the TypeScript SDK of Parley, for Node 20+ and browsers.
 * See README.md for a 20-line chat client.
 */
export { ParleyClient } from './client.js'
export type { CallArgs, CallOptions, ClientEvents, OpId, OpInput, OpMethods, OpOutput, ParleyClientOptions } from './client.js'
export { ParleyError } from './errors.js'
export type { ErrorCode, FieldError } from './errors.js'
export { Backoff } from './backoff.js'
export { Sequencer } from './sequencer.js'
export { applyEvent, applyEvents, conversationList, initialState } from './reducer.js'
export type { ClientState, ConversationState, FetchedConversation, Member, ReducibleEvent, Stale } from './reducer.js'
export type { AnyParleyEvent, Conversation, DurableEventData, DurableEventName, EphemeralEvent, Message, ParleyEvent, Positions } from './events.js'
export type { AnyEphemeralEvent, AnyEventFrame, DurableEventFrame, EphemeralEventData, EphemeralEventFrame, EphemeralEventName } from './events.js'
export { durableEventNames } from './events.gen.js'
export type { Clock, FetchLike, WebSocketConstructor, WebSocketLike } from './platform.js'
export { CloseCode, PROTOCOL_VERSION, shouldReconnect } from './protocol.gen.js'
export type { ClientFrame, ServerFrame, SessionReadyFrame, EventFrame } from './protocol.gen.js'
export { opRoutes, opMethods } from './ops.gen.js'
export type * from './ops.gen.js'
