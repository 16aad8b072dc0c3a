import {
  ADDRESS_PATTERN,
  EVENT_ENVELOPE_VERSION,
  EVENT_TYPES,
  isIdValue,
  MESSAGE_ID_PATTERN,
  NAMED_EVENT_TYPES,
  parseEventTime,
  SUBJECT_TOKEN_PATTERN,
  TX_HASH_PATTERN,
  TX_STATUSES,
  UINT_STRING_PATTERN,
  type EventEnvelope,
  type IncomingEvent,
} from '@northstar/contracts';
import { isInt, isIP, isUUID, maxLength, minLength } from 'class-validator';
import { isPlainObject } from './validation';

/**
 * The rules of `IncomingEvent` written out by hand, for the events that pass them: class-validator
 * costs more per event than the rest of intake together (it looks up its metadata and builds class
 * instances every time). Returns the event when it is certainly valid, null when it may not be; the
 * caller then validates with class-validator, which has the messages. It must never accept what
 * class-validator refuses: `fast-check.spec.ts` compares the two on valid and broken events. The
 * single checks are class-validator's own functions, so both agree on lengths, IPs and integers.
 */
export function fastCheckIncomingEvent(known: Record<string, unknown>): IncomingEvent | null {
  const type = known['type'];
  if (typeof type !== 'string' || !TYPES.has(type)) return null;
  const named = NAMED.has(type);
  if (named || has(known['event'])) {
    const event = known['event'];
    if (typeof event !== 'string' || !minLength(event, 1) || !maxLength(event, MAX_NAME_LENGTH)) return null;
  }
  if (!optionalName(known['name'])) return null;
  const messageId = known['messageId'];
  if (has(messageId) && (typeof messageId !== 'string' || !MESSAGE_ID_PATTERN.test(messageId))) return null;
  if ((!has(known['anonymousId']) || has(known['userId'])) && !isIdValue(known['userId'])) return null;
  if (has(known['anonymousId']) && !isIdValue(known['anonymousId'])) return null;
  if ((type === 'group' || has(known['groupId'])) && !isIdValue(known['groupId'])) return null;
  if ((type === 'alias' || has(known['previousId'])) && !isIdValue(known['previousId'])) return null;
  if (!optionalTime(known['timestamp']) || !optionalTime(known['sentAt'])) return null;
  if (!optionalObject(known['properties']) || !optionalObject(known['traits'])) return null;
  if (has(known['context']) && !contextOk(known['context'])) return null;
  const web3 = known['web3'];
  if (type === 'transaction' || type === 'wallet' || has(web3)) {
    if (!isPlainObject(web3) || !web3Ok(web3, type)) return null;
  }
  return known as unknown as IncomingEvent;
}

/**
 * The rules of `EventEnvelope`, by hand, for ingestion: it checks every event it takes off the stream,
 * and class-validator there cost more CPU than decoding, enrichment and the insert together. The same
 * contract as `fastCheckIncomingEvent`: the envelope when certainly valid, null when it may not be.
 */
export function fastCheckEnvelope(value: Record<string, unknown>): EventEnvelope | null {
  if (value['v'] !== EVENT_ENVELOPE_VERSION) return null;
  const eventId = value['eventId'];
  if (typeof eventId !== 'string' || !isUUID(eventId)) return null;
  const projectId = value['projectId'];
  if (typeof projectId !== 'string' || !SUBJECT_TOKEN_PATTERN.test(projectId)) return null;
  const messageId = value['messageId'];
  if (typeof messageId !== 'string' || !MESSAGE_ID_PATTERN.test(messageId)) return null;
  const type = value['type'];
  if (typeof type !== 'string' || !TYPES.has(type)) return null;
  if (!optionalString(value['event']) || !optionalString(value['name'])) return null;
  for (const id of ['userId', 'anonymousId', 'groupId', 'previousId']) {
    if (has(value[id]) && !isIdValue(value[id])) return null;
  }
  if (parseEventTime(value['timestamp']) === null || parseEventTime(value['receivedAt']) === null)
    return null;
  if (!optionalTime(value['sentAt']) || !optionalTime(value['clientTimestamp'])) return null;
  if (!contextOk(value['context'])) return null;
  const web3 = value['web3'];
  // The envelope's web3 is the general Web3Fields: no field required whatever the type.
  if (has(web3) && !(isPlainObject(web3) && web3Ok(web3, ''))) return null;
  if (!isPlainObject(value['properties']) || !isPlainObject(value['traits'])) return null;
  if (typeof value['raw'] !== 'string') return null;
  return value as unknown as EventEnvelope;
}

const MAX_NAME_LENGTH = 255;
const TYPES = new Set<string>(EVENT_TYPES);
const NAMED = new Set<string>(NAMED_EVENT_TYPES);
const STATUSES = new Set<unknown>(TX_STATUSES);

// class-validator's IsOptional: null and undefined skip the other rules.
const has = (value: unknown): boolean => value !== undefined && value !== null;

const optionalString = (value: unknown): boolean => !has(value) || typeof value === 'string';

const optionalName = (value: unknown): boolean =>
  !has(value) || (typeof value === 'string' && maxLength(value, MAX_NAME_LENGTH));

const optionalTime = (value: unknown): boolean => !has(value) || parseEventTime(value) !== null;

const optionalObject = (value: unknown): boolean => !has(value) || isPlainObject(value);

const optionalPattern = (value: unknown, pattern: RegExp): boolean =>
  !has(value) || (typeof value === 'string' && pattern.test(value));

/** An optional nested object of optional strings (page, library, campaign, os, device). */
function stringsOk(value: unknown, keys: readonly string[]): boolean {
  if (!has(value)) return true;
  if (!isPlainObject(value)) return false;
  for (const key of keys) if (!optionalString(value[key])) return false;
  return true;
}

function contextOk(context: unknown): boolean {
  if (!isPlainObject(context)) return false;
  return (
    stringsOk(context['page'], ['url', 'path', 'referrer', 'title', 'search']) &&
    optionalString(context['userAgent']) &&
    (!has(context['ip']) || isIP(context['ip'])) &&
    optionalString(context['locale']) &&
    stringsOk(context['library'], ['name', 'version']) &&
    stringsOk(context['campaign'], ['name', 'source', 'medium', 'term', 'content']) &&
    stringsOk(context['os'], ['name', 'version']) &&
    stringsOk(context['device'], ['type', 'manufacturer', 'model']) &&
    (!has(context['sessionId']) || isIdValue(context['sessionId']))
  );
}

const chainIdOk = (value: unknown): boolean =>
  isInt(value) && (value as number) >= 1 && (value as number) <= Number.MAX_SAFE_INTEGER;

/** Web3Fields, or TransactionWeb3 / WalletWeb3 with their required fields. */
function web3Ok(web3: Record<string, unknown>, type: string): boolean {
  const transaction = type === 'transaction';
  const chainId = web3['chainId'];
  const walletAddress = web3['walletAddress'];
  const txHash = web3['txHash'];
  if (transaction ? !chainIdOk(chainId) : has(chainId) && !chainIdOk(chainId)) return false;
  if (transaction || type === 'wallet' ? !has(walletAddress) : false) return false;
  if (transaction && !has(txHash)) return false;
  return (
    optionalPattern(walletAddress, ADDRESS_PATTERN) &&
    optionalPattern(txHash, TX_HASH_PATTERN) &&
    optionalPattern(web3['contractAddress'], ADDRESS_PATTERN) &&
    optionalName(web3['method']) &&
    optionalPattern(web3['value'], UINT_STRING_PATTERN) &&
    (!has(web3['status']) || STATUSES.has(web3['status']))
  );
}
