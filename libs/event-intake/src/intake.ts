import {
  EARLIEST_EVENT_TIME,
  EVENT_ENVELOPE_VERSION,
  EVENT_LIMITS,
  eventMessageId,
  IncomingEvent,
  LATEST_EVENT_TIME,
  parseEventTime,
  type EventContext,
  type EventEnvelope,
  type EventType,
  type FieldError,
  type Web3Fields,
} from '@northstar/contracts';
import { hash, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { fastCheckIncomingEvent } from './fast-check';
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
  /**
   * How `eventId`, the key that collapses copies of an event in storage, is made: `random` (default),
   * a new UUID for each event taken in; `fromMessageId`, derived from the project and the messageId
   * (`stableEventId`), so that every copy of an event has the same id, in whatever request or
   * stream message it arrives. The gateway uses `fromMessageId`: a request's events travel in one
   * stream message, and JetStream's duplicate window only recognises a batch resent whole.
   */
  eventIds?: 'random' | 'fromMessageId';
}

// The namespace of the events' name-based UUIDs: the UUID whose 16 bytes spell `northstar-events`
// (ASCII), so that hashing the text namespace + name hashes the namespace's bytes, as version 5 does.
const EVENT_ID_NAMESPACE = 'northstar-events';

/**
 * The eventId of `messageId` in `projectId`: the version-5 UUID of `<projectId>:<messageId>`, the
 * same for every copy of the event.
 */
export function stableEventId(projectId: string, messageId: string): string {
  // One-shot hashing to hex: several times cheaper per event than a Hash object and a Buffer.
  const hex = hash('sha1', EVENT_ID_NAMESPACE + eventMessageId(projectId, messageId), 'hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
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
  const context = requestContext(options);
  const result: IntakeResult = { accepted: [], rejected: [] };
  batch.forEach((event, index) => {
    const outcome = intakeOne(event, context, batchSentAt);
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
  const outcome = intakeOne(body, requestContext(options), undefined);
  if ('errors' in outcome) {
    if (outcome.tooLarge) throw new IntakeRequestError(413, outcome.errors);
    return { accepted: [], rejected: [{ index: 0, errors: outcome.errors }] };
  }
  return { accepted: [outcome.envelope], rejected: [] };
}

const SENT_AT_MESSAGE = 'sentAt must be an ISO-8601 time with a time zone, between 2000 and 2099';

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

type Outcome = { envelope: EventEnvelope } | { errors: FieldError[]; tooLarge?: true };

/** What every event of one request shares, computed once per request rather than per event. */
interface RequestContext {
  options: IntakeOptions;
  receivedAtMs: number;
  receivedAtIso: string;
}

function requestContext(options: IntakeOptions): RequestContext {
  return {
    options,
    receivedAtMs: options.receivedAt.getTime(),
    receivedAtIso: options.receivedAt.toISOString(),
  };
}

function intakeOne(input: unknown, request: RequestContext, batchSentAt: string | undefined): Outcome {
  const { options } = request;
  if (!isPlainObject(input)) return { errors: [{ field: '', message: 'the event must be a JSON object' }] };
  if (nestsDeeperThan(input, MAX_EVENT_DEPTH)) {
    return { errors: [{ field: '', message: `the event nests deeper than ${MAX_EVENT_DEPTH} levels` }] };
  }
  // The event's JSON serves twice: its size for the limit, and (most often) the raw JSON kept.
  const json = JSON.stringify(input);
  const size = Buffer.byteLength(json, 'utf8');
  if (size > EVENT_LIMITS.maxEventBytes) return { errors: [tooLarge(size)], tooLarge: true };

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

  let event = fastCheckIncomingEvent(known);
  if (!event) {
    const validated = validateAs(IncomingEvent, known);
    if (validated.errors.length > 0) return { errors: validated.errors };
    event = validated.value;
  }

  const sentAtText = event.sentAt ?? batchSentAt;
  const clientText = event.timestamp ?? originalTimestamp(input);
  const receivedAt = request.receivedAtMs;
  const sentAt = sentAtText === undefined ? undefined : (parseEventTime(sentAtText) as number);
  const client = clientText === undefined ? undefined : (parseEventTime(clientText) as number);
  // The client's clock may be off: shift by how far its sentAt is from our receive time.
  let timestamp = receivedAt;
  if (client !== undefined) timestamp = sentAt === undefined ? client : client + (receivedAt - sentAt);
  if (timestamp < EARLIEST_EVENT_TIME || timestamp >= LATEST_EVENT_TIME) {
    return {
      errors: [{ field: 'timestamp', message: 'timestamp, corrected by sentAt, falls outside 2000 to 2099' }],
    };
  }

  const messageId = event.messageId ?? randomUUID();
  const envelope: EventEnvelope = {
    v: EVENT_ENVELOPE_VERSION,
    eventId:
      options.eventIds === 'fromMessageId' ? stableEventId(options.projectId, messageId) : randomUUID(),
    projectId: options.projectId,
    messageId,
    type: event.type,
    timestamp:
      timestamp === receivedAt
        ? request.receivedAtIso
        : isoTime(timestamp === client ? clientText : undefined, timestamp),
    receivedAt: request.receivedAtIso,
    context: normalizeContext(event.context, options.clientIp),
    properties: isPlainObject(input['properties']) ? input['properties'] : {},
    traits: isPlainObject(input['traits']) ? input['traits'] : {},
    raw: rawJson(input, json),
  };
  assign(envelope, 'event', event.event);
  assign(envelope, 'name', event.name);
  assign(envelope, 'userId', idString(event.userId));
  assign(envelope, 'anonymousId', idString(event.anonymousId));
  assign(envelope, 'groupId', idString(event.groupId));
  assign(envelope, 'previousId', idString(event.previousId));
  if (sentAt !== undefined) envelope.sentAt = isoTime(sentAtText, sentAt);
  if (client !== undefined) envelope.clientTimestamp = isoTime(clientText, client);
  if (event.web3) envelope.web3 = normalizeWeb3(event.web3);
  return { envelope };
}

// What toISOString writes, for times that exist as written: such a text is its own normalized form
// (SDKs mostly send times like this). Days 29 to 31 and hour 24 may roll over into the next day or
// month (2026-02-30 is March 2nd), so those take the long way.
const CANONICAL_TIME =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/** The time `ms` as toISOString writes it; `text` (the same time as sent) when it already is. */
const isoTime = (text: string | undefined, ms: number): string =>
  text !== undefined && CANONICAL_TIME.test(text) ? text : new Date(ms).toISOString();

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

const PAGE_KEYS = ['url', 'path', 'referrer', 'title', 'search'] as const;
const LIBRARY_KEYS = ['name', 'version'] as const;
const CAMPAIGN_KEYS = ['name', 'source', 'medium', 'term', 'content'] as const;
const OS_KEYS = ['name', 'version'] as const;
const DEVICE_KEYS = ['type', 'manufacturer', 'model'] as const;

function pick<T extends object>(value: T | undefined, keys: ReadonlyArray<keyof T>): T | undefined {
  if (!value) return undefined;
  let picked: Partial<T> | undefined;
  for (const key of keys) {
    if (value[key] === undefined || value[key] === null) continue;
    picked ??= {};
    picked[key] = value[key];
  }
  return picked as T | undefined;
}

/** Only what the platform uses, without empty parts; the ip stays for the country lookup only. */
function normalizeContext(context: EventContext | undefined, clientIp: string | undefined): EventContext {
  const out: EventContext = {};
  const ip = context?.ip ?? (clientIp && isIP(clientIp) ? clientIp : undefined);
  if (!context) {
    if (ip) out.ip = ip;
    return out;
  }
  const page = pick(context.page, PAGE_KEYS);
  if (page) out.page = page;
  if (context.userAgent) out.userAgent = context.userAgent;
  if (ip) out.ip = ip;
  if (context.locale) out.locale = context.locale;
  const library = pick(context.library, LIBRARY_KEYS);
  if (library) out.library = library;
  const campaign = pick(context.campaign, CAMPAIGN_KEYS);
  if (campaign) out.campaign = campaign;
  const os = pick(context.os, OS_KEYS);
  if (os) out.os = os;
  const device = pick(context.device, DEVICE_KEYS);
  if (device) out.device = device;
  const sessionId = idString(context.sessionId);
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

/**
 * The event as sent, minus what must never be stored: the write key (a credential) and the ip.
 * `json` is the whole event's JSON, which is the answer when neither is there.
 */
function rawJson(input: Record<string, unknown>, json: string): string {
  const context = input['context'];
  if (!('writeKey' in input) && !(isPlainObject(context) && 'ip' in context)) return json;
  const { writeKey: _writeKey, ...rest } = input;
  if (isPlainObject(rest['context']) && 'ip' in rest['context']) {
    const { ip: _ip, ...context } = rest['context'];
    rest['context'] = context;
  }
  return JSON.stringify(rest);
}
