import { EventEnvelope, type FieldError } from '@northstar/contracts';
import { fastCheckEnvelope } from './fast-check';
import { isPlainObject, MAX_EVENT_DEPTH, nestsDeeperThan, validateAs } from './validation';

/**
 * Checks a message taken from the stream before ingestion writes it: the gateway made it, but what
 * comes off the bus is input. Unknown fields (from a newer gateway) are ignored.
 */
export function validateEnvelope(value: unknown): { envelope: EventEnvelope } | { errors: FieldError[] } {
  if (!isPlainObject(value))
    return { errors: [{ field: '', message: 'the envelope must be a JSON object' }] };
  if (nestsDeeperThan(value, MAX_EVENT_DEPTH + 2)) {
    return { errors: [{ field: '', message: 'the envelope nests too deep' }] };
  }
  const fast = fastCheckEnvelope(value);
  if (fast) return { envelope: fast };
  const { errors } = validateAs(EventEnvelope, value);
  // The parsed value itself is returned: ingestion reads only the declared fields.
  return errors.length > 0 ? { errors } : { envelope: value as unknown as EventEnvelope };
}

/** Decodes and validates the body of a stream message holding one envelope. */
export function decodeEnvelope(data: Uint8Array): { envelope: EventEnvelope } | { errors: FieldError[] } {
  const parsed = parseJson(data);
  return 'errors' in parsed ? parsed : validateEnvelope(parsed.value);
}

/** One event of a message: its envelope, or why it is not one (with the value, to dead-letter it). */
export type DecodedEvent = { envelope: EventEnvelope } | { errors: FieldError[]; value: unknown };

/**
 * A stream message's events: `events` in message order, each valid or with its errors (one bad
 * event of several does not spoil the others); `errors` when the message as a whole is unusable,
 * which includes a message of one envelope that is invalid.
 */
export type DecodedMessage = { events: DecodedEvent[]; several: boolean } | { errors: FieldError[] };

/**
 * Decodes a stream message in either form the gateway publishes: one envelope (a JSON object, the
 * only form before batches travelled together, so still in streams) or several (a JSON array).
 */
export function decodeEventMessage(data: Uint8Array): DecodedMessage {
  const parsed = parseJson(data);
  if ('errors' in parsed) return parsed;
  const { value } = parsed;
  if (!Array.isArray(value)) {
    const one = validateEnvelope(value);
    return 'errors' in one ? one : { events: [one], several: false };
  }
  if (value.length === 0) return { errors: [{ field: '', message: 'the message holds no events' }] };
  return {
    several: true,
    events: value.map((item): DecodedEvent => {
      const one = validateEnvelope(item);
      return 'errors' in one ? { errors: one.errors, value: item } : one;
    }),
  };
}

function parseJson(data: Uint8Array): { value: unknown } | { errors: FieldError[] } {
  try {
    return { value: JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')) };
  } catch (error) {
    return { errors: [{ field: '', message: `not JSON: ${(error as Error).message}` }] };
  }
}
