import {
  METRIC_LIMITS,
  METRIC_NAME_PATTERN,
  MESSAGE_ID_PATTERN,
  parseIsoTime,
  type FieldError,
  type MetricEnvelope,
} from '@northstar/contracts';
import { randomUUID } from 'node:crypto';
import { IntakeRequestError, type RejectedEventEntry } from './intake';
import { isPlainObject } from './validation';

/** The earliest time a metric may carry: older ones are typos (seconds sent as milliseconds...). */
const EARLIEST_MS = Date.UTC(2000, 0, 1);
/** How far ahead of the gateway's clock a timestamp may be (clients' clocks drift). */
const MAX_FUTURE_MS = 24 * 3600 * 1000;

export interface MetricIntakeResult {
  /** Normalized envelopes, in request order, ready for METRICS. */
  accepted: MetricEnvelope[];
  rejected: RejectedEventEntry[];
}

/**
 * `POST /v1/metrics`: `{ metrics: [...] }`. Each point is checked on its own (name, finite value, time,
 * tags, id): invalid ones come back by index with their fields, the rest are accepted. Throws
 * IntakeRequestError for a body that is not a batch (400) or over METRIC_LIMITS.maxBatchMetrics (413).
 */
export function intakeMetrics(
  body: unknown,
  options: { projectId: string; receivedAt: Date },
): MetricIntakeResult {
  if (!isPlainObject(body) || !Array.isArray(body['metrics'])) {
    throw new IntakeRequestError(400, [{ field: 'metrics', message: 'metrics must be an array of points' }]);
  }
  const metrics = body['metrics'] as unknown[];
  if (metrics.length > METRIC_LIMITS.maxBatchMetrics) {
    throw new IntakeRequestError(413, [
      {
        field: 'metrics',
        message: `metrics has ${metrics.length} points, over the limit of ${METRIC_LIMITS.maxBatchMetrics}`,
      },
    ]);
  }
  const receivedAt = options.receivedAt.getTime();
  const result: MetricIntakeResult = { accepted: [], rejected: [] };
  metrics.forEach((point, index) => {
    const errors: FieldError[] = [];
    const envelope = checkMetric(point, errors, { projectId: options.projectId, receivedAt });
    if (envelope) result.accepted.push(envelope);
    else result.rejected.push({ index, errors });
  });
  return result;
}

/** A metric envelope read back from METRICS (input from the bus is input), or its errors. */
export function validateMetricEnvelope(
  value: unknown,
): { envelope: MetricEnvelope } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (!isPlainObject(value))
    return { errors: [{ field: '', message: 'a metric envelope must be an object' }] };
  const { projectId, receivedAt, timestamp } = value;
  if (typeof projectId !== 'string' || projectId.length === 0) {
    errors.push({ field: 'projectId', message: 'projectId must be a string' });
  }
  if (typeof receivedAt !== 'number' || !Number.isFinite(receivedAt)) {
    errors.push({ field: 'receivedAt', message: 'receivedAt must be Unix milliseconds' });
  }
  if (typeof timestamp !== 'number' || !Number.isInteger(timestamp) || timestamp < 0) {
    errors.push({ field: 'timestamp', message: 'timestamp must be Unix milliseconds' });
  }
  if (errors.length > 0) return { errors };
  const envelope = checkMetric(value, errors, {
    projectId: projectId as string,
    receivedAt: receivedAt as number,
  });
  return envelope && typeof value['id'] === 'string' ? { envelope } : { errors };
}

function checkMetric(
  point: unknown,
  errors: FieldError[],
  context: { projectId: string; receivedAt: number },
): MetricEnvelope | null {
  if (!isPlainObject(point)) {
    errors.push({ field: '', message: 'a metric must be an object' });
    return null;
  }
  const { name, value, timestamp, tags, id } = point;
  if (typeof name !== 'string' || !METRIC_NAME_PATTERN.test(name)) {
    errors.push({
      field: 'name',
      message: `name must be 1 to ${METRIC_LIMITS.maxNameLength} of A-Z a-z 0-9 _ . : -`,
    });
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    errors.push({ field: 'value', message: 'value must be a finite number' });
  }
  const at = timeOf(timestamp, context.receivedAt, errors);
  const tagRecord = tagsOf(tags, errors);
  if (
    id !== undefined &&
    (typeof id !== 'string' || id.length > METRIC_LIMITS.maxIdLength || !MESSAGE_ID_PATTERN.test(id))
  ) {
    errors.push({
      field: 'id',
      message: `id must be a string of 1 to ${METRIC_LIMITS.maxIdLength} printable characters`,
    });
  }
  if (errors.length > 0 || at === null || tagRecord === null) return null;
  return {
    projectId: context.projectId,
    id: typeof id === 'string' ? id : randomUUID(),
    name: name as string,
    value: value as number,
    timestamp: at,
    tags: tagRecord,
    receivedAt: context.receivedAt,
  };
}

/** ISO-8601 with a zone, or Unix milliseconds; absent: the receive time. */
function timeOf(timestamp: unknown, receivedAt: number, errors: FieldError[]): number | null {
  if (timestamp === undefined || timestamp === null) return receivedAt;
  const ms =
    typeof timestamp === 'number' && Number.isInteger(timestamp) ? timestamp : parseIsoTime(timestamp);
  if (ms === null) {
    errors.push({
      field: 'timestamp',
      message: 'timestamp must be an ISO-8601 time with a zone, or Unix milliseconds',
    });
    return null;
  }
  if (ms < EARLIEST_MS || ms > receivedAt + MAX_FUTURE_MS) {
    errors.push({
      field: 'timestamp',
      message: 'timestamp must be after 2000-01-01 and at most 24 hours ahead of the server clock',
    });
    return null;
  }
  return ms;
}

function tagsOf(tags: unknown, errors: FieldError[]): Record<string, string> | null {
  if (tags === undefined || tags === null) return {};
  if (!isPlainObject(tags)) {
    errors.push({ field: 'tags', message: 'tags must be an object of strings' });
    return null;
  }
  const entries = Object.entries(tags);
  if (entries.length > METRIC_LIMITS.maxTags) {
    errors.push({ field: 'tags', message: `tags must have at most ${METRIC_LIMITS.maxTags} keys` });
    return null;
  }
  const out: Record<string, string> = {};
  let valid = true;
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > METRIC_LIMITS.maxTagKeyLength) {
      errors.push({
        field: 'tags',
        message: `each tag key must be 1 to ${METRIC_LIMITS.maxTagKeyLength} characters`,
      });
      valid = false;
    } else if (typeof value !== 'string' || value.length > METRIC_LIMITS.maxTagValueLength) {
      errors.push({
        field: `tags.${key}`,
        message: `tags.${key} must be a string of at most ${METRIC_LIMITS.maxTagValueLength} characters`,
      });
      valid = false;
    } else {
      // defineProperty: a "__proto__" tag key stays a plain key.
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return valid ? out : null;
}
