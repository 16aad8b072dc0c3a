import fc from 'fast-check';
import { VERIFY_TOKEN_SECURITY_SCHEME } from '../src/api-keys/api-key.openapi';
import { DEVELOPMENT_VERIFY_TOKEN } from '../src/api-keys/verify-tokens';
import { created, startWholePlatform, type WholePlatform } from './whole-platform';
import {
  loadOpenApi,
  operationsOf,
  type OpenApiDocument,
  type Operation,
  type Parameter,
  type Schema,
} from './openapi-routes';
import { eventually, getJson } from './support';
import { call, createOrg, newUser } from './tenancy-support';
import { authHeader, clientAddress, type SignedUpUser } from './users';

// Issue 14, "checked over every route": every operation of the OpenAPI document the gateway serves is
// sent FUZZ_RUNS requests generated from its own schema (valid-looking values mixed with wrong types,
// huge strings, deep nesting, unicode, NUL bytes, malformed JSON, hostile path segments and odd query
// strings), with real credentials so that the services behind the gateway see them. No answer may be a
// 500 (a 503 is the documented "a service is down"), every 4xx must be problem+json, and every service
// must still answer afterwards. Fixed seed (FUZZ_SEED to vary it); `npm run test:fuzz` runs more.
//
// Nothing is left out, but what would end the run's own credentials or tenant never gets their ids:
// - the deletions of an organisation or a project (and everything else that deletes, run last) are
//   given ids of an organisation and a project made to be deleted, never the run's own;
// - the key routes that revoke, rotate or narrow a key are given another key's id than the one the
//   run authenticates with;
// - logout and DELETE /v1/me/sessions/{id} only ever see generated tokens and ids, not the run's;
// - PATCH /v1/me can change the password only with the current one, which is never generated.

// Test settings come from the runner's environment, as in support.ts.
const runnerEnv = process.env;
/** Requests per operation: the CI count; `npm run test:fuzz` sets a larger one. */
const RUNS = Number(runnerEnv['FUZZ_RUNS'] || 1000);
const SEED = Number(runnerEnv['FUZZ_SEED'] || 20261205);
/** Requests in flight at once. */
const CONCURRENCY = 16;

interface FuzzRequest {
  path: string;
  query: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

let platform: WholePlatform | undefined;
let url: string;
let owner: SignedUpUser;
let document: OpenApiDocument;
/** Real identifiers, so that generated paths reach past the 404 of an unknown object. */
const known: Record<string, string> = {};
/** The organisation and project the deletions get instead of the run's own. */
const doomed: Record<string, string> = {};
/** The ids the requests being generated use: `known`, or for deletions `doomed` over it. */
let ids: Record<string, string> = known;
/** The run's API key, with every scope (`known.keyId` is a second key, for the routes acting on one). */
let apiKey: string;
const tried = new Map<string, number>();
/** Milliseconds each operation's requests took, all together. */
const took = new Map<string, number>();
const statuses = new Map<number, number>();

beforeAll(async () => {
  platform = await startWholePlatform('fuzz', {
    // The run is one user and one key: the per-caller query budget would turn most of it into 429s.
    ANALYTICS_REQUESTS_PER_MINUTE: '100000',
    SYSTEM_INFO_CACHE_MS: '0',
  });
  url = platform.url;
  owner = await newUser(url, 'Fuzz Owner');
  known['orgId'] = (await createOrg(url, owner, 'Fuzz Org')).id;
  known['userId'] = owner.user.id;
  known['projectId'] = (
    await created(
      call<{ id: string }>(url, 'POST', `/orgs/${known['orgId']}/projects`, owner, {
        name: 'Fuzzed',
        kind: 'hybrid',
      }),
      'POST /v1/orgs/:orgId/projects',
    )
  ).id;
  const issue = (name: string) =>
    created(
      call<{ id: string; key: string }>(url, 'POST', `/projects/${known['projectId']}/keys`, owner, {
        name,
        scopes: ['events:write', 'analytics:read', 'rpc', 'metrics:write'],
      }),
      'POST /v1/projects/:projectId/keys',
    );
  apiKey = (await issue('Fuzzing')).key;
  known['keyId'] = (await issue('Fuzzed')).id;
  known['alertId'] = (
    await created(
      call<{ id: string }>(url, 'POST', `/projects/${known['projectId']}/alerts`, owner, {
        name: 'Never evaluated',
        metric: 'events',
        comparator: 'gt',
        threshold: 1,
        windowSeconds: 300,
        everySeconds: 3600,
        enabled: false,
        channels: [{ type: 'in_app' }],
      }),
      'POST /v1/projects/:projectId/alerts',
    )
  ).id;
  // A saved insight on a dashboard; deletions get ones of their own.
  const newInsight = async () =>
    (
      await created(
        call<{ id: string }>(url, 'POST', `/projects/${known['projectId']}/insights`, owner, {
          name: 'Fuzzed',
          kind: 'summary',
          params: {},
        }),
        'POST /v1/projects/:projectId/insights',
      )
    ).id;
  const newDashboard = async (insightId: string) =>
    (
      await created(
        call<{ id: string }>(url, 'POST', `/projects/${known['projectId']}/dashboards`, owner, {
          name: 'Fuzzed',
          items: [{ insightId, position: 0 }],
        }),
        'POST /v1/projects/:projectId/dashboards',
      )
    ).id;
  known['insightId'] = await newInsight();
  known['dashboardId'] = await newDashboard(known['insightId']);
  doomed['insightId'] = await newInsight();
  doomed['dashboardId'] = await newDashboard(doomed['insightId']);
  doomed['orgId'] = (await createOrg(url, owner, 'Doomed Org')).id;
  doomed['projectId'] = (
    await created(
      call<{ id: string }>(url, 'POST', `/orgs/${known['orgId']}/projects`, owner, {
        name: 'Doomed',
        kind: 'web2',
      }),
      'POST /v1/orgs/:orgId/projects',
    )
  ).id;
  known['slug'] = 'ethereum';
  known['chainSlug'] = 'ethereum';
  document = await loadOpenApi(url);
}, 120_000);

afterAll(async () => {
  const perRoute = [...tried.entries()]
    .map(([route, count]) => `${count}\t${((took.get(route) ?? 0) / 1000).toFixed(1)} s\t${route}`)
    .join('\n');
  const total = [...tried.values()].reduce((sum, count) => sum + count, 0);
  const byStatus = [...statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${status}: ${count}`)
    .join(', ');
  console.log(
    `Fuzzing (seed ${SEED}, ${RUNS} per operation): ${total} requests over ${tried.size} operations\n` +
      `${perRoute}\nanswers: ${byStatus}`,
  );
  await platform?.close();
});

// ---------------------------------------------------------------------------------------------
// Values

const HUGE = 100 * 1024;
const DEPTH = 1000;

function deeplyNested(depth: number, kind: 'array' | 'object'): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level += 1) value = kind === 'array' ? [value] : { a: value };
  return value;
}

/** Strings that have broken parsers, databases and loggers before. */
const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\uD800',
    'x\uDFFFy',
    '\u202Egnp.exe',
    'مرحبا بالعالم',
    '👩‍👩‍👧‍👦🚀',
    '..',
    '../../etc/passwd',
    '%00',
    '%',
    '${jndi:ldap://x}',
    "'; DROP TABLE users; --",
    '{{7*7}}',
    '<script>alert(1)</script>',
    'NaN',
    '-0',
    '1e309',
    '9007199254740993',
    'true',
    'null',
    '[]',
    '{}',
    '__proto__',
    'constructor',
    '0x',
    '2026-02-30T25:61:61Z',
    '00000000-0000-0000-0000-000000000000',
  ),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: 'grapheme', maxLength: 64 }),
  fc.constant('A'.repeat(HUGE)),
  fc.constant('é\u0000🚀'.repeat(HUGE / 8)),
);

/** Anything but what the schema asks for. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    -1e308,
    1e308,
    Number.MAX_SAFE_INTEGER,
    [],
    {},
    [null],
    JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}') as unknown,
  ),
  fc.constant(deeplyNested(DEPTH, 'array')),
  fc.constant(deeplyNested(DEPTH, 'object')),
  fc.jsonValue({ maxDepth: 3 }),
);

function resolve(schema: Schema | undefined): Schema {
  let current: Schema = schema ?? {};
  for (let hops = 0; current.$ref && hops < 10; hops += 1) {
    const name = current.$ref.split('/').pop() ?? '';
    current = document.components?.schemas?.[name] ?? {};
  }
  if (current.allOf) return Object.assign({}, ...current.allOf.map(resolve)) as Schema;
  return current;
}

const DATES = fc
  .date({ min: new Date('1969-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
  .map((date) => date.toISOString());

function stringFor(schema: Schema, name: string): fc.Arbitrary<string> {
  const known$ = ids[name];
  const base = (() => {
    switch (schema.format) {
      case 'uuid':
        return fc.uuid();
      case 'email':
        return fc.emailAddress();
      case 'date-time':
        return DATES;
      case 'date':
        return DATES.map((date) => date.slice(0, 10));
      case 'uri':
      case 'url':
        return fc.webUrl();
      default:
        return fc.string({
          minLength: schema.minLength ?? 0,
          maxLength: Math.min(schema.maxLength ?? 40, 200),
        });
    }
  })();
  return known$ ? fc.oneof({ arbitrary: fc.constant(known$), weight: 3 }, base) : base;
}

/** A value the schema would accept (or nearly: fast-check's edges of each type and range). */
function validFor(input: Schema | undefined, name: string, depth: number): fc.Arbitrary<unknown> {
  const schema = resolve(input);
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  const choice = schema.oneOf ?? schema.anyOf;
  if (choice?.length) return fc.oneof(...choice.map((option) => validFor(option, name, depth)));
  if (depth > 4) return fc.constant(null);
  switch (schema.type) {
    case 'string':
      return stringFor(schema, name);
    case 'integer':
      return fc.integer({
        min: Math.max(schema.minimum ?? -1_000_000, Number.MIN_SAFE_INTEGER),
        max: Math.min(schema.maximum ?? 1_000_000, Number.MAX_SAFE_INTEGER),
      });
    case 'number':
      return fc.double({
        min: schema.minimum ?? -1e6,
        max: schema.maximum ?? 1e6,
        noNaN: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(validFor(schema.items, name, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 5, 10),
      });
    case 'object':
    case undefined: {
      const properties = Object.entries(schema.properties ?? {});
      if (!properties.length)
        return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
      const required = new Set(schema.required ?? []);
      return fc.record(
        Object.fromEntries(properties.map(([key, property]) => [key, valueFor(property, key, depth + 1)])),
        { requiredKeys: properties.map(([key]) => key).filter((key) => required.has(key)) },
      );
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Mostly what the schema asks for, sometimes anything else. */
function valueFor(schema: Schema | undefined, name: string, depth: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: validFor(schema, name, depth), weight: 4 },
    { arbitrary: wrongValue, weight: 1 },
  );
}

// ---------------------------------------------------------------------------------------------
// Requests

/** A path segment: the real id or a schema value, or one meant to escape or break the router. */
function segmentFor(parameter: Parameter): fc.Arbitrary<string> {
  return fc.oneof(
    {
      arbitrary: validFor(parameter.schema, parameter.name, 0).map((value) => encode(String(value))),
      weight: 6,
    },
    {
      arbitrary: fc.oneof(
        fc.constantFrom(
          '..',
          '%2e%2e',
          '.',
          '%00',
          'a%00b',
          '%2F',
          '%ZZ',
          '%',
          '%C0%AE',
          '%uD800',
          '%ED%A0%80',
          '~',
          ' ',
        ),
        nastyString.map((value) => encode(value.slice(0, 4000)).replace(/%25/g, '%')),
        nastyString.map((value) => encode(value).slice(0, 4000)),
        fc.constant('a'.repeat(10_000)),
      ),
      weight: 4,
    },
  );
}

const LONE_SURROGATE = /([\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF])/;

/** encodeURIComponent, except that a lone surrogate becomes its (invalid) UTF-8 bytes instead of a throw. */
function encode(value: string): string {
  return value
    .split(LONE_SURROGATE)
    .map((part, index) => {
      if (index % 2 === 0) return encodeURIComponent(part);
      const code = part.charCodeAt(0);
      return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join('');
    })
    .join('');
}

function queryValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function queryFor(parameters: Parameter[]): fc.Arbitrary<string> {
  const names = parameters.map((parameter) => parameter.name);
  const pair = (name: string, value: unknown) => `${encode(name)}=${encode(queryValue(value))}`;
  const ordinary = fc.record(
    Object.fromEntries(
      parameters.map((parameter) => [parameter.name, valueFor(parameter.schema, parameter.name, 0)]),
    ),
    { requiredKeys: [] },
  );
  const odd = fc.oneof(
    fc.constant(''),
    // Repeated keys, array and object notations, unknown keys, a raw (undecoded) string.
    fc
      .tuple(fc.constantFrom(...(names.length ? names : ['q'])), fc.array(wrongValue, { maxLength: 3 }))
      .map(([name, values]) => values.map((value) => pair(name, value)).join('&') + `&${name}=1&${name}=2`),
    fc
      .constantFrom(...(names.length ? names : ['q']))
      .map((name) => `${name}[]=1&${name}[]=2&${name}[a][b]=c&${name}=&${name}`),
    fc.constantFrom(
      '%',
      '%00=%00',
      '&&&==&',
      '__proto__[admin]=1',
      'constructor[prototype][x]=1',
      '=&=',
      '?a=1',
    ),
    fc.string({ unit: 'binary', maxLength: 40 }).map((value) => encode(value)),
  );
  return fc.oneof(
    {
      arbitrary: ordinary.map((values) =>
        Object.entries(values)
          .map(([name, value]) => pair(name, value))
          .join('&'),
      ),
      weight: 3,
    },
    {
      arbitrary: fc
        .tuple(ordinary, odd)
        .map(([values, extra]) =>
          [...Object.entries(values).map(([n, v]) => pair(n, v)), extra].filter(Boolean).join('&'),
        ),
      weight: 2,
    },
  );
}

const MALFORMED_BODIES: (string | Buffer)[] = [
  '',
  '{',
  '{"a":',
  '{"a" 1}',
  "{'a':1}",
  '[1,2,',
  'null',
  'true',
  '"string"',
  '123',
  '{"a":1}{"b":2}',
  '{"a":NaN}',
  '{"a":1e99999}',
  '{"\u0000":"\u0000"}',
  '{"a":"\\uD800"}',
  '{"a":"\\u0000"}',
  '\uFEFF{}',
  '{"__proto__":{"admin":true}}',
  '['.repeat(DEPTH) + ']'.repeat(DEPTH),
  '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH),
  '['.repeat(100_000),
  Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x7d]),
  Buffer.from([0xc0, 0xaf, 0xed, 0xa0, 0x80]),
  `{"a":"${'x'.repeat(HUGE)}"}`,
];

function bodyFor(operation: Operation): fc.Arbitrary<{ body?: string | Buffer; contentType?: string }> {
  const content = operation.requestBody?.content ?? {};
  const schema = (content['application/json'] ?? Object.values(content)[0])?.schema;
  const json = (value: unknown) => ({ body: JSON.stringify(value), contentType: 'application/json' });
  return fc.oneof(
    { arbitrary: validFor(schema, 'body', 0).map(json), weight: 5 },
    { arbitrary: wrongValue.map(json), weight: 2 },
    {
      arbitrary: fc
        .constantFrom(...MALFORMED_BODIES)
        .map((body) => ({ body, contentType: 'application/json' })),
      weight: 2,
    },
    {
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data',
            'application/json; charset=utf-16',
            'application/xml',
            '*/*',
            '',
          ),
          fc.constantFrom<string | Buffer>(
            'a=1&b=2',
            '{"a":1}',
            '<a/>',
            '\u0000',
            Buffer.from([0, 1, 2, 255]),
          ),
        )
        .map(([contentType, body]) => ({ body, contentType })),
      weight: 1,
    },
  );
}

type Credential = 'user' | 'key' | 'service' | 'none';

/**
 * What the operation accepts: a member's access token, an API key (with every scope), either, or an
 * RPC proxy's service token (the gateway's development VERIFY_TOKENS).
 */
function credentialsOf(operation: Operation): Credential[] {
  const schemes = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
  const accepted: Credential[] = [];
  if (schemes.includes('user')) accepted.push('user');
  if (schemes.some((scheme) => scheme.startsWith('apiKey'))) accepted.push('key');
  if (schemes.includes(VERIFY_TOKEN_SECURITY_SCHEME)) accepted.push('service');
  return accepted.length ? accepted : ['none'];
}

function requestsFor(path: string, method: string, operation: Operation): fc.Arbitrary<FuzzRequest> {
  const parameters = operation.parameters ?? [];
  const pathParameters = parameters.filter((parameter) => parameter.in === 'path');
  const queryParameters = parameters.filter((parameter) => parameter.in === 'query');
  const credentials = credentialsOf(operation);
  const segments = fc.record(
    Object.fromEntries(pathParameters.map((parameter) => [parameter.name, segmentFor(parameter)])),
  );
  const hasBody = !['get', 'head', 'delete'].includes(method) || operation.requestBody !== undefined;
  return fc
    .record({
      segments,
      query: queryFor(queryParameters),
      body: hasBody ? bodyFor(operation) : fc.constant({} as { body?: string; contentType?: string }),
      // Now and then no credentials, or a wrong one, on a route that needs them.
      credential: fc.oneof(
        { arbitrary: fc.constantFrom(...credentials), weight: 9 },
        { arbitrary: fc.constantFrom<Credential | 'garbage'>('none', 'garbage'), weight: 1 },
      ),
    })
    .map(({ segments: values, query, body, credential: presented }) => {
      const headers: Record<string, string> = { ...clientAddress() };
      if (presented === 'user') Object.assign(headers, authHeader(owner.accessToken));
      if (presented === 'key') headers['x-api-key'] = apiKey;
      if (presented === 'service') headers['authorization'] = `Bearer ${DEVELOPMENT_VERIFY_TOKEN}`;
      if (presented === 'garbage') headers['authorization'] = `Bearer nsk_${'x'.repeat(300)}`;
      if (body.contentType !== undefined && body.contentType !== '')
        headers['content-type'] = body.contentType;
      return {
        path: path.replace(/\{([^}]+)\}/g, (_, name: string) => values[name] ?? 'x'),
        query,
        headers,
        ...(body.body === undefined ? {} : { body: body.body }),
      };
    });
}

interface Failure {
  route: string;
  status: number;
  why: string;
  request: string;
  answer: string;
}

function describeRequest(request: FuzzRequest): string {
  const body =
    request.body === undefined
      ? ''
      : ` body(${request.body.length}): ${(typeof request.body === 'string' ? request.body : request.body.toString('hex')).slice(0, 300)}`;
  return `${request.path.slice(0, 300)}${request.query ? `?${request.query.slice(0, 300)}` : ''} ${JSON.stringify({ ...request.headers, authorization: undefined, 'x-api-key': undefined })}${body}`;
}

async function send(route: string, method: string, request: FuzzRequest): Promise<Failure | undefined> {
  const target = `${url}${request.path}${request.query ? `?${request.query}` : ''}`;
  let response: Response;
  try {
    response = await fetch(target, {
      method: method.toUpperCase(),
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    return {
      route,
      status: 0,
      why: `no answer: ${String(error)}`,
      request: describeRequest(request),
      answer: '',
    };
  }
  const text = await response.text();
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  const failure = (why: string): Failure => ({
    route,
    status: response.status,
    why,
    request: describeRequest(request),
    answer: text.slice(0, 500),
  });
  if (response.status >= 500 && response.status !== 503) return failure('a server error');
  if (response.status >= 400) {
    if (!/^application\/problem\+json/.test(response.headers.get('content-type') ?? ''))
      return failure(`a ${response.status} that is not problem+json`);
    try {
      const problem = JSON.parse(text) as { status?: unknown; type?: unknown };
      if (problem.status !== response.status || typeof problem.type !== 'string')
        return failure(`a ${response.status} whose problem does not say so`);
    } catch {
      return failure(`a ${response.status} whose body is not JSON`);
    }
  }
  return undefined;
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next];
        next += 1;
        await work(item);
      }
    }),
  );
}

it('answers every generated request of every operation without a 500, each 4xx problem+json', async () => {
  const failures: Failure[] = [];
  // Segment's one-letter routes (/v1/t, /v1/b, …) run the very handlers of their long forms, which
  // are fuzzed: sampling them again would add minutes and no new code path.
  const operations = operationsOf(document).filter(({ path }) => !/^\/v1\/[a-z]$/.test(path));
  expect(operations.length).toBeGreaterThan(30);
  // Deletions last, so that the objects of the run (the alert, the second key) are still there for
  // the other operations' requests.
  operations.sort((a, b) => Number(a.method === 'delete') - Number(b.method === 'delete'));
  for (const { route, path, method, operation } of operations) {
    ids = method === 'delete' ? { ...known, ...doomed } : known;
    const started = Date.now();
    const requests = fc.sample(requestsFor(path, method, operation), { seed: SEED, numRuns: RUNS });
    await pool(requests, CONCURRENCY, async (request) => {
      const failure = await send(route, method, request);
      tried.set(route, (tried.get(route) ?? 0) + 1);
      if (failure) failures.push(failure);
    });
    took.set(route, Date.now() - started);
  }
  // One example of each kind of failure per operation, so that a systematic bug is not 1,000 lines.
  const distinct = [
    ...new Map(
      failures.map((failure) => [`${failure.route} ${failure.status} ${failure.why}`, failure]),
    ).values(),
  ];
  expect({ failures: failures.length, examples: distinct }).toEqual({ failures: 0, examples: [] });
}, 3_600_000);

it('still serves afterwards: every service up, and a normal request answered', async () => {
  await eventually(
    async () => {
      const { body } = await getJson<{ services: { name: string; status: string }[] }>(
        `${url}/v1/system/info`,
      );
      expect(body.services.filter((service) => service.status !== 'up')).toEqual([]);
      expect(body.services.length).toBeGreaterThanOrEqual(7);
    },
    { timeoutMs: 10_000, intervalMs: 250 },
  );
  const me = await getJson<{ id: string }>(`${url}/v1/me`, { headers: authHeader(owner.accessToken) });
  expect(me.body.id).toBe(owner.user.id);
  const projects = await call<{ items: { id: string }[] }>(
    url,
    'GET',
    `/orgs/${known['orgId']}/projects`,
    owner,
  );
  expect(projects.status).toBe(200);
  expect((await fetch(`${url}/v1/chains/ethereum`)).status).toBe(200);
  const keyed = await fetch(`${url}/v1/projects/${known['projectId']}/analytics/events`, {
    headers: { 'x-api-key': apiKey },
  });
  expect(keyed.status).toBe(200);
}, 60_000);
