import { hash } from 'node:crypto';

/**
 * Where ingested events travel: the gateway publishes a request's accepted events to JetStream stream
 * `EVENTS` on `events.<projectId>`, ingestion consumes them with one durable pull consumer, and what
 * can never be written goes to `events_dlq.<projectId>` on its own stream.
 *
 * A message's body is one event envelope (a JSON object) or several (a JSON array of envelopes): a
 * request's events travel together, so a batch costs one publish and one acknowledgement.
 */
export const EVENTS_STREAM = 'EVENTS';
export const EVENTS_SUBJECT_PREFIX = 'events';
export const EVENTS_DLQ_STREAM = 'EVENTS_DLQ';
export const EVENTS_DLQ_SUBJECT_PREFIX = 'events_dlq';

/** The JetStream duplicate window: the same `messageId` in one project within it is stored once. */
export const EVENTS_DUPLICATE_WINDOW_MS = 24 * 3600 * 1000;

/** Request limits of the ingestion routes (API.md). Sizes are of the decompressed JSON, in bytes. */
export const EVENT_LIMITS = {
  maxBatchEvents: 500,
  maxBatchBytes: 1024 * 1024,
  maxEventBytes: 32 * 1024,
} as const;

// A subject token: NATS splits on '.', and '*', '>' and whitespace are wildcards or separators.
export const SUBJECT_TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export function isSubjectToken(value: string): boolean {
  return SUBJECT_TOKEN_PATTERN.test(value);
}

function token(projectId: string): string {
  if (!isSubjectToken(projectId)) throw new TypeError(`Not a valid project id for a subject: ${projectId}`);
  return projectId;
}

/** `events.<projectId>`: the subject of a project's events. */
export function eventsSubject(projectId: string): string {
  return `${EVENTS_SUBJECT_PREFIX}.${token(projectId)}`;
}

/** `events_dlq.<projectId>`: where a project's undeliverable events are kept, with their reason. */
export function eventsDeadLetterSubject(projectId: string): string {
  return `${EVENTS_DLQ_SUBJECT_PREFIX}.${token(projectId)}`;
}

/** The JetStream message id (`Nats-Msg-Id`) of an event: duplicates are detected per project. */
export function eventMessageId(projectId: string, messageId: string): string {
  return `${projectId}:${messageId}`;
}

/**
 * The JetStream message id of a message holding several events: a digest of their messageIds in
 * order, so that an SDK retrying the same batch is stored once. A message of one event keeps that
 * event's own id (`eventMessageId`), so a single event and a batch of one deduplicate each other.
 * A project id has no `/`, so this id never equals an event's.
 */
export function eventBatchMessageId(projectId: string, messageIds: readonly string[]): string {
  if (messageIds.length === 1) return eventMessageId(projectId, messageIds[0]);
  // Printable ids (MESSAGE_ID_PATTERN) hold no newline: the joined text is unambiguous.
  return `${projectId}/batch:${hash('sha256', messageIds.join('\n'), 'base64url')}`;
}

/** Headers on a dead-lettered message; its body is the original message, unchanged, for a replay. */
export const DeadLetterHeaders = {
  reason: 'Northstar-Dead-Letter-Reason',
  originalSubject: 'Northstar-Original-Subject',
  originalSequence: 'Northstar-Original-Sequence',
  deliveries: 'Northstar-Deliveries',
  failedAt: 'Northstar-Failed-At',
  /** Set when one event of a message of several was dead-lettered: its position in the original. */
  originalIndex: 'Northstar-Original-Index',
  /** Set on dead letters of durable domain events: the durable consumer that gave up on the event. */
  consumer: 'Northstar-Consumer',
} as const;
