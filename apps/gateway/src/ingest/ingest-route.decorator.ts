import { applyDecorators, HttpCode, HttpStatus, type Type } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOperation,
  ApiResponse,
} from '@nestjs/swagger';
import { EVENT_LIMITS, IngestResponse } from '@northstar/contracts';
import { AcceptWriteKeyInBody, KEY_FORBIDDEN, RequireScopes } from '../api-keys/api-key.decorators';
import { INGEST_ROUTE, INGEST_SCOPE } from './ingest-paths';
import { ApiAccess } from '../http/api-access.decorator';

const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } };
const KIB = 1024;

const INGEST_AUTH_NOTE =
  'Authenticate with a key that has the `events:write` scope: `Authorization: Bearer nsk_…`, ' +
  '`X-Api-Key: nsk_…`, HTTP Basic with the key as the user name and an empty password (Segment and ' +
  'RudderStack SDKs), or `writeKey` in the JSON body (browser libraries, which may send the JSON as ' +
  '`Content-Type: text/plain`). CORS is open to any origin on this route, without credentials; for a ' +
  "key with `allowedOrigins`, `Access-Control-Allow-Origin` names the request's origin when it is one of " +
  'them (with `Vary: Origin`), and other origins get 403. Preflights carry no key, so they stay open.';

const BODY_NOTE =
  'The body is read as JSON whatever its `Content-Type`: `application/json`, `text/plain`, ' +
  '`application/x-www-form-urlencoded` (what @rudderstack/rudder-sdk-node sends) or none, gzip-compressed ' +
  'or not. Fields the platform does not use are accepted and ignored.';

const EVENT_NOTE =
  'Types: `track`, `page`, `screen`, `identify`, `group`, `alias`, and for Web3 `transaction` (needs ' +
  '`web3.chainId`, `web3.walletAddress`, `web3.txHash`) and `wallet` (needs `web3.walletAddress` and ' +
  '`event`). Addresses and hashes are 0x-hex and stored lower-case; `value` is a base-10 integer string ' +
  'of any size. The stored time is `timestamp + (receivedAt − sentAt)` when `sentAt` is given, the ' +
  'receive time without a `timestamp`. `context.ip` gives the country and is never stored; browser ' +
  'requests (with an `Origin`) without it take the caller address, so server SDKs should send it. ' +
  'An event without a `messageId` gets a new one per request, so a resend of it cannot be recognised.';

const LIMITS_NOTE =
  `Limits: ${EVENT_LIMITS.maxBatchEvents} events and ${EVENT_LIMITS.maxBatchBytes / KIB / KIB} MiB a request ` +
  `(after gzip decompression), ${EVENT_LIMITS.maxEventBytes / KIB} KiB an event.`;

const QUOTA_NOTE =
  "**Monthly event quota.** Every answer carries the organisation's quota state: `X-Quota-Limit` (events " +
  'per calendar month, UTC, of its plan), `X-Quota-Remaining` (left after this request) and ' +
  '`X-Quota-Reset` (seconds until the month ends). Past the quota and its grace (QUOTA_GRACE_PERCENT): 429 ' +
  'with problem type `quota-exceeded` and `Retry-After` until the reset; nothing of the request is ' +
  "accepted. (A 429 of type `rate-limited` is the key's own rate limit, with RateLimit-* headers.)";

const QUOTA_HEADERS = {
  'X-Quota-Limit': {
    description: 'Events per month of the organisation’s plan',
    schema: { type: 'integer' },
  },
  'X-Quota-Remaining': {
    description: 'Events left this month after this request',
    schema: { type: 'integer' },
  },
  'X-Quota-Reset': { description: 'Seconds until the month (UTC) ends', schema: { type: 'integer' } },
};

const CHAIN_NOTE =
  "`key-chain-not-allowed`: the key has allowedChains and the event's `web3.chainId` is another chain " +
  '(a single event; in a batch that event is rejected by index, with the field `web3.chainId`, and the ' +
  'others are taken).';

interface IngestRouteDoc {
  summary: string;
  description: string;
  /** The request body's schema (a contract class). */
  body: Type<unknown>;
  bodyDescription: string;
  /** What makes this route answer 400 (with `errors: [{ field, message }]`) and 413. */
  invalid: string;
  tooLarge: string;
}

/**
 * An event ingestion route: a key with `events:write` (also as `writeKey` in the body), the batch
 * body limit and a JSON body whatever the Content-Type (ingest-http.ts), 202 once JetStream has every accepted
 * event, and its OpenAPI description. Fastify serves these routes with ingest-fast-path.ts, which
 * applies the same rules without Nest's pipeline: change both together.
 */
export function IngestRoute(doc: IngestRouteDoc): MethodDecorator {
  return applyDecorators(
    HttpCode(HttpStatus.ACCEPTED),
    RouteConfig({ [INGEST_ROUTE]: true }),
    RequireScopes(INGEST_SCOPE),
    ApiAccess({ scopes: [INGEST_SCOPE] }),
    AcceptWriteKeyInBody(),
    ApiOperation({
      summary: doc.summary,
      description: `${doc.description}\n\n${INGEST_AUTH_NOTE}\n\n${BODY_NOTE}\n\n${EVENT_NOTE}\n\n${LIMITS_NOTE}\n\n${QUOTA_NOTE}`,
    }),
    ApiConsumes('application/json', 'text/plain'),
    ApiBody({ type: doc.body, description: doc.bodyDescription }),
    ApiHeader({
      name: 'Content-Encoding',
      required: false,
      enum: ['gzip'],
      description: 'The body may be gzip-compressed; the limits apply to its decompressed size',
    }),
    ApiAcceptedResponse({
      type: IngestResponse,
      description:
        'Every accepted event is durably queued (JetStream acknowledged it). `rejected` lists the invalid ' +
        'events by position with the failing fields; resending an event with the same `messageId` ' +
        'within 24 hours stores it once.',
      headers: QUOTA_HEADERS,
    }),
    ApiResponse({ status: 400, description: doc.invalid, content: problem }),
    ApiResponse({ status: 403, description: `${KEY_FORBIDDEN} ${CHAIN_NOTE}`, content: problem }),
    ApiResponse({ status: 413, description: doc.tooLarge, content: problem }),
    ApiResponse({
      status: 503,
      description:
        'The event queue did not acknowledge the events, or it is full while ingestion catches up (its ' +
        'limits are EVENTS_STREAM_MAX_BYTES and EVENTS_STREAM_MAX_AGE_HOURS; Retry-After is 30 then): none ' +
        'of them is accepted, and nothing accepted before is dropped; send them again (same `messageId`s) ' +
        'after Retry-After seconds',
      headers: {
        'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
      },
      content: problem,
    }),
  );
}
