/**
 * The JetStream side of event ingestion, shared by the gateway (publishing) and ingestion (consuming):
 *
 * - `ensureEventStreams(jsm, settings?, { update? })`: the EVENTS stream (`events.>`, file storage,
 *   limits retention, discard new, 24 h duplicate window), EVENTS_DLQ (`events_dlq.>`) and the
 *   ingestion consumer; `purgeWritten(jsm, below)` drops what ingestion acknowledged.
 * - `EventStreamPublisher`: `await publisher.publish(envelopes)` publishes a request's events as one
 *   message (a JSON array of envelopes, split only at the server's max_payload; a lone event as its
 *   envelope) with a `Nats-Msg-Id` derived from the project and the messageIds, and resolves once
 *   JetStream has acknowledged it (throws EventPublishError otherwise: answer 503, the client
 *   retries, and the duplicate window drops what was already stored).
 * - `decodeEventMessage(data)` (@northstar/event-intake) reads either form back.
 * - `publishDeadLetter(js, message, reason, part?)`: moves an unwritable message, or one event of it,
 *   to the dead-letter stream.
 */
export * from './streams';
export * from './publisher';
export * from './dead-letter';
export * from './metric-streams';
