/**
 * The JetStream side of event ingestion, shared by the gateway (publishing) and ingestion (consuming):
 *
 * - `ensureEventStreams(jsm, settings?, { update? })`: the EVENTS stream (`events.>`, file storage,
 *   limits retention, 24 h duplicate window) and EVENTS_DLQ (`events_dlq.>`).
 * - `EventStreamPublisher`: `await publisher.publish(envelopes)` publishes a request's events
 *   concurrently with `Nats-Msg-Id` = `<projectId>:<messageId>` and resolves once JetStream has
 *   acknowledged all of them (throws EventPublishError otherwise: answer 503, the client retries, and
 *   the duplicate window drops what was already stored).
 * - `publishDeadLetter(js, message, reason)`: moves an unwritable message to the dead-letter stream.
 */
export * from './streams';
export * from './publisher';
export * from './dead-letter';
