import { EventEnvelope, type FieldError } from '@northstar/contracts';
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
  const { errors } = validateAs(EventEnvelope, value);
  // The parsed value itself is returned: ingestion reads only the declared fields.
  return errors.length > 0 ? { errors } : { envelope: value as unknown as EventEnvelope };
}

/** Decodes and validates one stream message's body. */
export function decodeEnvelope(data: Uint8Array): { envelope: EventEnvelope } | { errors: FieldError[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch (error) {
    return { errors: [{ field: '', message: `not JSON: ${(error as Error).message}` }] };
  }
  return validateEnvelope(parsed);
}
