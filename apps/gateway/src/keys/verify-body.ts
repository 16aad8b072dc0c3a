import type { ArgumentMetadata } from '@nestjs/common';
import { MAX_VERIFY_COST, RPC_METHOD_PATTERN, SLUG_PATTERN } from '@northstar/contracts';
import { createValidationPipe } from '@northstar/messaging';
import { isIP } from 'node:net';
import { VerifyKeyBody } from './key-verify.dto';

const FIELDS = new Set(['key', 'chain', 'origin', 'ip', 'method', 'cost']);
const MAX_TEXT = 300;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6_CHARACTERS = /^[0-9a-fA-F:.]{2,45}$/;

const pipe = createValidationPipe();
const metadata: ArgumentMetadata = { type: 'body', metatype: VerifyKeyBody, data: undefined };

const optionalText = (value: unknown) =>
  value === undefined || (typeof value === 'string' && value.length <= MAX_TEXT);

/**
 * The verify body when it plainly satisfies VerifyKeyBody's rules, checked by hand, or null. The
 * route is the RPC proxies' hot path: class-transformer and class-validator cost more than the
 * verification itself on a cache hit. Anything the check is not sure of (null fields, unusual address
 * forms, extra fields) returns null, and the global validation pipe decides and words the 400; a
 * unit test holds the two to the same answers.
 */
export function plainVerifyBody(raw: unknown): VerifyKeyBody | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const body = raw as Record<string, unknown>;
  for (const field in body) if (!FIELDS.has(field)) return null;
  const { key, chain, origin, ip, method, cost } = body;
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_TEXT) return null;
  if (chain !== undefined && (typeof chain !== 'string' || !SLUG_PATTERN.test(chain))) return null;
  if (!optionalText(origin)) return null;
  if (
    ip !== undefined &&
    (typeof ip !== 'string' || !(IPV4.test(ip) || (IPV6_CHARACTERS.test(ip) && isIP(ip) === 6)))
  )
    return null;
  if (method !== undefined && (typeof method !== 'string' || !RPC_METHOD_PATTERN.test(method))) return null;
  if (
    cost !== undefined &&
    !(Number.isInteger(cost) && (cost as number) >= 0 && (cost as number) <= MAX_VERIFY_COST)
  )
    return null;
  return body as unknown as VerifyKeyBody;
}

/** The body of POST /v1/keys/verify, or the same 400 problem as every other route's. */
export async function readVerifyBody(raw: unknown): Promise<VerifyKeyBody> {
  const plain = plainVerifyBody(raw);
  if (plain) return plain;
  const checked = (await pipe.transform(raw, metadata)) as VerifyKeyBody;
  // The optional fields take null for absent (IsOptional): the verification reads absent only.
  const fields = checked as unknown as Record<string, unknown>;
  for (const field of Object.keys(fields)) if (fields[field] === null) delete fields[field];
  return checked;
}
