import type { EventQuota } from '../quota/event-quota';
import type { EventType, IngestResponse } from '@northstar/contracts';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ApiKeyAdmission, KeyAuthenticatedRequest } from '../api-keys/api-key-admission';
import { NO_RULES } from '../api-keys/key-rules';
import type { AuthenticatedKey } from '../api-keys/key-verifier';
import type { IngestCaller } from './ingest-caller';
import { serveIngestRoutesDirectly } from './ingest-fast-path';
import { INGEST_ROUTE, INGEST_URLS } from './ingest-paths';
import type { IngestService } from './ingest.service';

// What the fast path must do instead of Nest: the admission and IngestService are the gateway's own
// classes (their storage and bus are covered by the e2e tests); here they record what they are asked.
interface Call {
  kind: 'event' | 'batch';
  body: unknown;
  caller: IngestCaller;
  impliedType?: EventType;
}

async function server(calls: Call[]): Promise<FastifyInstance> {
  const answer: IngestResponse = { accepted: 1, rejected: [] };
  const ingest = {
    event: async (body: unknown, caller: IngestCaller, impliedType?: EventType) => {
      calls.push({ kind: 'event', body, caller, ...(impliedType ? { impliedType } : {}) });
      return answer;
    },
    batch: async (body: unknown, caller: IngestCaller) => {
      calls.push({ kind: 'batch', body, caller });
      return answer;
    },
  } as unknown as IngestService;
  const admission = {
    admit: async (request: KeyAuthenticatedRequest) => {
      const key: AuthenticatedKey = {
        keyId: 'k',
        orgId: 'o',
        projectId: 'p-1',
        scopes: ['events:write'],
        rateLimit: null,
        rules: NO_RULES,
      };
      request.apiKey = key;
      return key;
    },
  } as unknown as ApiKeyAdmission;

  // No plan known: the quota lets everything in (its own tests are in quota-period.spec.ts and quota.e2e-spec.ts).
  const quota = { admit: async () => undefined, count: () => undefined } as unknown as EventQuota;

  const fastify = Fastify();
  serveIngestRoutesDirectly(fastify, ingest, admission, quota);
  // Declared as Nest declares them: its handler must never run for an ingestion route.
  const nest = async () => {
    throw new Error('served by the Nest pipeline');
  };
  for (const url of INGEST_URLS) fastify.post(url, { config: { [INGEST_ROUTE]: true } }, nest);
  fastify.post('/v1/orgs', nest);
  await fastify.ready();
  return fastify;
}

describe('serveIngestRoutesDirectly', () => {
  const calls: Call[] = [];
  let fastify: FastifyInstance;

  beforeAll(async () => {
    fastify = await server(calls);
  });

  afterAll(async () => {
    await fastify.close();
  });

  beforeEach(() => {
    calls.length = 0;
  });

  const post = (url: string, payload: unknown) =>
    fastify.inject({ method: 'POST', url, payload: payload as object });

  it('answers 202 with what IngestService answered, for the caller of the admitted key', async () => {
    const response = await post('/v1/events', { type: 'track', event: 'A' });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ accepted: 1, rejected: [] });
    expect(calls).toEqual([
      {
        kind: 'event',
        body: { type: 'track', event: 'A' },
        caller: expect.objectContaining({ projectId: 'p-1' }),
      },
    ]);
  });

  it('sends a batch to IngestService.batch', async () => {
    expect((await post('/v1/batch', { batch: [] })).statusCode).toBe(202);
    expect(calls.map((call) => call.kind)).toEqual(['batch']);
  });

  it.each(['track', 'identify', 'page', 'screen', 'group', 'alias'] as const)(
    'gives /v1/%s its implied event type',
    async (type) => {
      expect((await post(`/v1/${type}`, {})).statusCode).toBe(202);
      expect(calls).toEqual([expect.objectContaining({ kind: 'event', impliedType: type })]);
    },
  );

  it('leaves the other routes to their own handler', async () => {
    expect((await post('/v1/orgs', {})).statusCode).toBe(500);
    expect(calls).toEqual([]);
  });
});
