import { hash } from 'node:crypto';
import { isSubjectToken } from '../events/event-stream';

/**
 * Where custom metrics travel: the gateway publishes a request's accepted metrics to the JetStream
 * stream `METRICS` on `metrics.<projectId>` (one message per request, a JSON array of envelopes), and
 * ingestion consumes them with its own durable consumer into the ClickHouse `metrics` table.
 *
 * A stream of their own rather than a subject of EVENTS: a flood of metrics (a server reporting every
 * second) then fills its own buffer and gets its own 503s, never the room that product events need;
 * the two consumers are paced and batched on their own; and EVENTS keeps one message shape.
 */
export const METRICS_STREAM = 'METRICS';
export const METRICS_SUBJECT_PREFIX = 'metrics';
/** Dead letters of metrics: kept in METRICS_DLQ, with the same headers as the events' dead letters. */
export const METRICS_DLQ_STREAM = 'METRICS_DLQ';
export const METRICS_DLQ_SUBJECT_PREFIX = 'metrics_dlq';

/** The JetStream duplicate window of METRICS: the same batch of ids within it is stored once. */
export const METRICS_DUPLICATE_WINDOW_MS = 24 * 3600 * 1000;

/** Request limits of POST /v1/metrics (API.md). */
export const METRIC_LIMITS = {
  maxBatchMetrics: 1000,
  maxNameLength: 128,
  maxTags: 20,
  maxTagKeyLength: 64,
  maxTagValueLength: 256,
  maxIdLength: 200,
} as const;

/** A metric name: what a series is called, also used in the alert metric `custom:<name>`. */
export const METRIC_NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

function token(projectId: string): string {
  if (!isSubjectToken(projectId)) throw new TypeError(`Not a valid project id for a subject: ${projectId}`);
  return projectId;
}

/** `metrics.<projectId>`: the subject of a project's metrics. */
export function metricsSubject(projectId: string): string {
  return `${METRICS_SUBJECT_PREFIX}.${token(projectId)}`;
}

/** `metrics_dlq.<projectId>`: where a project's unwritable metrics are kept, with their reason. */
export function metricsDeadLetterSubject(projectId: string): string {
  return `${METRICS_DLQ_SUBJECT_PREFIX}.${token(projectId)}`;
}

/**
 * The JetStream message id of a request's metrics: a digest of their ids in order, so that a client
 * retrying the same batch (with its own ids) within the duplicate window is stored once.
 */
export function metricBatchMessageId(projectId: string, ids: readonly string[]): string {
  return `${projectId}/metrics:${hash('sha256', ids.join('\n'), 'base64url')}`;
}

/**
 * One accepted metric point as it travels on METRICS and is written to ClickHouse: validated and
 * normalized by the gateway (the time resolved, the id given or made up).
 */
export interface MetricEnvelope {
  projectId: string;
  /** The client's id, or a new UUID: a redelivered message collapses on it in ClickHouse. */
  id: string;
  name: string;
  value: number;
  /** Unix milliseconds: the client's `timestamp`, or when the gateway received it. */
  timestamp: number;
  tags: Record<string, string>;
  /** Unix milliseconds. */
  receivedAt: number;
}
