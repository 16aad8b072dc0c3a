/**
 * Event intake: what the gateway does to SDK events before it publishes them, as pure functions.
 *
 *   const { accepted, rejected } = intakeBatch(body, { projectId, receivedAt: new Date() });
 *   // POST /v1/events, /v1/track, ...: intakeEvent(body, { projectId, receivedAt, impliedType: 'track' })
 *
 * - Each event is validated on its own against the contract (`IncomingEvent`): invalid ones are
 *   returned in `rejected` as `{ index, errors: [{ field, message }] }`, the valid ones in `accepted`
 *   as normalized `EventEnvelope`s, ready for `EventStreamPublisher.publish` (@northstar/event-stream).
 * - Fields the platform does not use (Segment's `integrations`, `_metadata`, `writeKey`, ...) are
 *   accepted and ignored; the raw JSON keeps them, except `writeKey` and `context.ip`.
 * - Limits: more than 500 events throws `IntakeRequestError` 413; an event over 32 KiB (its JSON in
 *   UTF-8) is rejected by index in a batch and is a 413 on the single-event routes; a body that is
 *   not a batch is a 400. The 1 MiB body limit is the HTTP layer's.
 * - Time: `timestamp + (receivedAt − sentAt)` when the event (or the batch) has `sentAt`; the
 *   event's `timestamp` (or RudderStack's `originalTimestamp`) as it is without; `receivedAt` when
 *   the event has no time of its own.
 * - Ids: `eventId` is a new UUID, or with `eventIds: 'fromMessageId'` (the gateway) the version-5
 *   UUID of `<projectId>:<messageId>` (`stableEventId`), the same for every copy of an event;
 *   `messageId` is the client's or a new UUID; numeric ids become strings. Web3 addresses and hashes
 *   are lower-cased, `value` loses its leading zeros.
 * - Validation: a hand-written check of the contract's rules (`fast-check.ts`) accepts the common
 *   valid event; anything it is not sure of goes through class-validator, which has the messages.
 * - `impliedType` (Segment's per-type routes) fills in a missing `type` and rejects another one.
 *
 * Ingestion validates what it takes off the stream with `decodeEventMessage` (a message holds one
 * envelope or an array of them; `decodeEnvelope` reads the former alone).
 */
export * from './intake';
export * from './envelope';
export * from './metrics';
export { flattenErrors, MAX_EVENT_DEPTH } from './validation';
