import {
  EARLIEST_EVENT_TIME,
  EVENT_ENVELOPE_VERSION,
  EVENT_LIMITS,
  IncomingEvent,
  LATEST_EVENT_TIME,
  parseEventTime,
  type EventContext,
  type EventEnvelope,
  type EventType,
  type FieldError,
  type Web3Fields,
} from '@northstar/contracts';
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { isPlainObject, MAX_EVENT_DEPTH, nestsDeeperThan, validateAs } from './validation';

export interface IntakeOptions {
  /** The project of the API key the request was authenticated with. */
  projectId: string;
  /** When the gateway received the request: the reference for the clock-skew correction. */
  receivedAt: Date;
  /**
   * The type a Segment per-type route implies (`/v1/track` → `track`): fills in a missing `type`;
   * an event naming another type is rejected.
   */
  impliedType?: EventType;
  /**
   * The caller's address, used as `context.ip` (for the country) when the event carries none.
   * Pass it for browser and mobile traffic; a server-side SDK's address says nothing about the user.
   */
  clientIp?: string;
}

export interface RejectedEventEntry {
  index: number;
  errors: FieldError[];
}

export interface IntakeResult {
  /** Normalized envelopes, in request order, ready for JetStream. */
  accepted: EventEnvelope[];
  rejected: RejectedEventEntry[];
}

/** The request as a whole is unacceptable: the gateway answers `status` with these errors. */
export class IntakeRequestError extends Error {
  constructor(
    readonly status: 400 | 413,
    readonly errors: FieldError[],
  ) {
    super(errors.map((error) => `${error.field}: ${error.message}`).join('; '));
    this.name = 'IntakeRequestError';
  }
}

/**
 * `POST /v1/batch`: `{ batch: [event, ...], sentAt? }`. Each event is validated and normalized on its
 * own: invalid ones come back in `rejected` with their index, the rest in `accepted`. Throws
 * IntakeRequestError for a body that is not a batch (400) or has more than 500 events (413).
 */
export function intakeBatch(body: unknown, options: IntakeOptions): IntakeResult {
  if (!isPlainObject(body) || !Array.isArray(body['batch'])) {
    throw new IntakeRequestError(400, [{ field: 'batch', message: 'batch must be an array of events' }]);
  }
  const batch = body['batch'] as unknown[];
  if (batch.length > EVENT_LIMITS.maxBatchEvents) {
    throw new IntakeRequestError(413, [
      {
        field: 'batch',
        message: `batch has ${batch.length} events, over the limit of ${EVENT_LIMITS.maxBatchEvents}`,
      },
    ]);
  }
  const sentAt = body['sentAt'];
  if (sentAt !== undefined && sentAt !== null && parseEventTime(sentAt) === null) {
    throw new IntakeRequestError(400, [{ field: 'sentAt', message: SENT_AT_MESSAGE }]);
  }
  const batchSentAt = typeof sentAt === 'string' ? sentAt : undefined;
  const result: IntakeResult = { accepted: [], rejected: [] };
  batch.forEach((event, index) => {
    const outcome = intakeOne(event, options, batchSentAt);
    if ('errors' in outcome) result.rejected.push({ index, errors: outcome.errors });
    else result.accepted.push(outcome.envelope);
  });
  return result;
}

/**
 * `POST /v1/events` and the Segment per-type routes: one event, answered like a batch of one. An
 * event over 32 KiB throws IntakeRequestError 413, as a request over the limit.
 */
export function intakeEvent(body: unknown, options: IntakeOptions): IntakeResult {
  if (isPlainObject(body) && !nestsDeeperThan(body, MAX_EVENT_DEPTH)) {
    const size = jsonSize(body);
    if (size > EVENT_LIMITS.maxEventBytes) throw new IntakeRequestError(413, [tooLarge(size)]);
  }
  const outcome = intakeOne(body, options, undefined);
  return 'errors' in outcome
    ? { accepted: [], rejected: [{ index: 0, errors: outcome.errors }] }
    : { accepted: [outcome.envelope], rejected: [] };
}

const SENT_AT_MESSAGE = 'sentAt must be an ISO-8601 time with a time zone, between 2000 and 2099';

const jsonSize = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

const tooLarge = (size: number): FieldError => ({
  field: '',
  message: `the event is ${size} bytes, over the limit of ${EVENT_LIMITS.maxEventBytes}`,
});

// Only the fields the platform reads go through class-transformer; the rest is kept raw.
const KNOWN_FIELDS = [
  'type',
  'event',
  'name',
  'messageId',
  'userId',
  'anonymousId',
  'groupId',
  'previousId',
  'timestamp',
  'sentAt',
  'properties',
  'traits',
  'context',
  'web3',
] as const;

type Outcome = { envelope: EventEnvelope } | { errors: FieldError[] };

function intakeOne(input: unknown, options: IntakeOptions, batchSentAt: string | undefined): Outcome {
  if (!isPlainObject(input)) return { errors: [{ field: '', message: 'the event must be a JSON object' }] };
  if (nestsDeeperThan(input, MAX_EVENT_DEPTH)) {
    return { errors: [{ field: '', message: `the event nests deeper than ${MAX_EVENT_DEPTH} levels` }] };
  }
  const size = jsonSize(input);
  if (size > EVENT_LIMITS.maxEventBytes) return { errors: [tooLarge(size)] };

  const known: Record<string, unknown> = {};
  for (const field of KNOWN_FIELDS) if (input[field] !== undefined) known[field] = input[field];
  if (options.impliedType) {
    if (known['type'] === undefined || known['type'] === null) known['type'] = options.impliedType;
    else if (known['type'] !== options.impliedType) {
      return { errors: [{ field: 'type', message: `type must be ${options.impliedType} on this route` }] };
    }
  }
  // Free-form objects are checked for shape here and taken from the input as they are.
  if (isPlainObject(known['properties'])) known['properties'] = {};
  if (isPlainObject(known['traits'])) known['traits'] = {};

  const { value: event, errors } = validateAs(IncomingEvent, known);
  if (errors.length > 0) return { errors };

  const sentAtText = event.sentAt ?? batchSentAt;
  const clientText = event.timestamp ?? originalTimestamp(input);
  const receivedAt = options.receivedAt.getTime();
  let timestamp = receivedAt;
  if (clientText !== undefined) {
    const client = parseEventTime(clientText) as number;
    // The client's clock may be off: shift by how far its sentAt is from our receive time.
    timestamp =
      sentAtText === undefined ? client : client + (receivedAt - (parseEventTime(sentAtText) as number));
  }
  if (timestamp < EARLIEST_EVENT_TIME || timestamp >= LATEST_EVENT_TIME) {
    return {
      errors: [{ field: 'timestamp', message: 'timestamp, corrected by sentAt, falls outside 2000 to 2099' }],
    };
  }

  const envelope: EventEnvelope = {
    v: EVENT_ENVELOPE_VERSION,
    eventId: randomUUID(),
    projectId: options.projectId,
    messageId: event.messageId ?? randomUUID(),
    type: event.type,
    timestamp: new Date(timestamp).toISOString(),
    receivedAt: options.receivedAt.toISOString(),
    context: normalizeContext(event.context, options.clientIp),
    properties: isPlainObject(input['properties']) ? input['properties'] : {},
    traits: isPlainObject(input['traits']) ? input['traits'] : {},
    raw: rawJson(input),
  };
  assign(envelope, 'event', event.event);
  assign(envelope, 'name', event.name);
  assign(envelope, 'userId', idString(event.userId));
  assign(envelope, 'anonymousId', idString(event.anonymousId));
  assign(envelope, 'groupId', idString(event.groupId));
  assign(envelope, 'previousId', idString(event.previousId));
  assign(envelope, 'sentAt', sentAtText && new Date(parseEventTime(sentAtText) as number).toISOString());
  assign(
    envelope,
    'clientTimestamp',
    clientText && new Date(parseEventTime(clientText) as number).toISOString(),
  );
  if (event.web3) envelope.web3 = normalizeWeb3(event.web3);
  return { envelope };
}

// RudderStack sends the client time as originalTimestamp; a malformed one is ignored, like any
// field the platform does not require.
function originalTimestamp(input: Record<string, unknown>): string | undefined {
  const value = input['originalTimestamp'];
  return parseEventTime(value) === null ? undefined : (value as string);
}

function assign<K extends keyof EventEnvelope>(
  target: EventEnvelope,
  key: K,
  value: EventEnvelope[K] | undefined,
) {
  if (value !== undefined && value !== '') target[key] = value;
}

const idString = (value: string | number | undefined | null): string | undefined =>
  value === undefined || value === null ? undefined : String(value);

/** Only what the platform uses, without empty parts; the ip stays for the country lookup only. */
function normalizeContext(context: EventContext | undefined, clientIp: string | undefined): EventContext {
  const out: EventContext = {};
  const pick = <T extends object>(value: T | undefined, keys: Array<keyof T>): T | undefined => {
    if (!value) return undefined;
    const picked: Partial<T> = {};
    for (const key of keys) if (value[key] !== undefined && value[key] !== null) picked[key] = value[key];
    return Object.keys(picked).length > 0 ? (picked as T) : undefined;
  };
  const page = pick(context?.page, ['url', 'path', 'referrer', 'title', 'search']);
  if (page) out.page = page;
  if (context?.userAgent) out.userAgent = context.userAgent;
  const ip = context?.ip ?? (clientIp && isIP(clientIp) ? clientIp : undefined);
  if (ip) out.ip = ip;
  if (context?.locale) out.locale = context.locale;
  const library = pick(context?.library, ['name', 'version']);
  if (library) out.library = library;
  const campaign = pick(context?.campaign, ['name', 'source', 'medium', 'term', 'content']);
  if (campaign) out.campaign = campaign;
  const os = pick(context?.os, ['name', 'version']);
  if (os) out.os = os;
  const device = pick(context?.device, ['type', 'manufacturer', 'model']);
  if (device) out.device = device;
  const sessionId = idString(context?.sessionId);
  if (sessionId) out.sessionId = sessionId;
  return out;
}

/** Addresses and hashes lower-case (hex is case-insensitive; EIP-55 case is only a checksum). */
function normalizeWeb3(web3: Web3Fields): Web3Fields {
  const out: Web3Fields = {};
  if (web3.chainId !== undefined && web3.chainId !== null) out.chainId = web3.chainId;
  if (web3.walletAddress) out.walletAddress = web3.walletAddress.toLowerCase();
  if (web3.txHash) out.txHash = web3.txHash.toLowerCase();
  if (web3.contractAddress) out.contractAddress = web3.contractAddress.toLowerCase();
  if (web3.method) out.method = web3.method;
  // Leading zeros dropped by text, not BigInt: a 30 KB number must not cost quadratic time.
  if (web3.value) out.value = web3.value.replace(/^0+(?=\d)/, '');
  if (web3.status) out.status = web3.status;
  return out;
}

/** The event as sent, minus what must never be stored: the write key (a credential) and the ip. */
function rawJson(input: Record<string, unknown>): string {
  const { writeKey: _writeKey, ...rest } = input;
  if (isPlainObject(rest['context']) && 'ip' in rest['context']) {
    const { ip: _ip, ...context } = rest['context'];
    rest['context'] = context;
  }
  return JSON.stringify(rest);
}
