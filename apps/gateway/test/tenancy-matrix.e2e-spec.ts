import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import {
  loadOpenApi,
  operationsOf,
  type DocumentedAccess,
  type OpenApiDocument,
  type RouteOperation,
} from './openapi-routes';
import { freePort, signInThroughIdp, startTestIdp, type TestIdp } from './oidc-idp';
import { call, createOrg, E2E_PLAN, joinAs, newUser, type TestOrg } from './tenancy-support';
import { eventually } from './support';
import {
  authHeader,
  clientAddress,
  logIn,
  signUpPlatformAdmin,
  uniqueEmail,
  TEST_PASSWORD,
  type SignedUpUser,
} from './users';
import { created, startWholePlatform, type WholePlatform } from './whole-platform';

// Issue 14, "checked over every route": the tenancy matrix. Every operation of the OpenAPI document the
// gateway serves is called by every kind of caller (each role of the organisation, a signed-in
// stranger, a platform admin, an API key with each single scope, nobody), on an object of the callers'
// own organisation and on one of a foreign organisation, and each answer must be the one the operation's
// `x-northstar-access` promises: 401 without credentials (or with a kind the route does not take), 403
// for a role or key scope below the route's, 404 for a foreign object or an organisation the caller is
// not a member of, and for an allowed caller on its own object an answer that is none of those (2xx,
// or a documented 400/409/422 of the minimal body), never a 5xx. Who may call what comes from the
// document, never from this file: a route without the extension fails the suite.
//
// The objects a cell would destroy (deletions, a key's rotation, a session's end) are made afresh for
// each cell expected to succeed; the cells expected to be refused get the shared ones, so a refusal
// that does not happen shows as that cell's failure before it spoils the others.

const ADMIN_EMAIL = `matrix-admin-${randomUUID()}@e2e.northstar.test`;
const ROLES = ['viewer', 'member', 'admin', 'owner'] as const;
type OrgRole = (typeof ROLES)[number];
const SCOPES = ['events:write', 'analytics:read', 'rpc', 'metrics:write'] as const;
/** Requests in flight at once. */
const CONCURRENCY = 8;

type Tenant = 'own' | 'foreign' | 'none';

interface Caller {
  name: string;
  /** Its role in the own organisation; none for the stranger and the platform admin. */
  role?: OrgRole;
  user?: SignedUpUser;
  platformAdmin?: boolean;
  key?: { plaintext: string; scopes: readonly string[] };
}

type Expected = { status: 'allowed' } | { status: 401 | 403 | 404; why: string };

interface Cell {
  operation: RouteOperation;
  access: DocumentedAccess;
  caller: Caller;
  tenant: Tenant;
  expected: Expected;
}

/** The objects of one organisation that path parameters name. */
interface Tenancy {
  owner: SignedUpUser;
  org: TestOrg;
  projectId: string;
  /** A key the routes act on (never one of the callers' keys). */
  keyId: string;
  alertId: string;
  /** A pending invitation of the organisation. */
  invitationId: string;
  /** A viewer the member routes act on. */
  target: SignedUpUser;
  notificationId: string;
  /** A session of `target`. */
  sessionId: string;
  /** A single sign-on identity linked to `target`. */
  identityId: string;
  insightId: string;
  dashboardId: string;
}

let platform: WholePlatform | undefined;
/**
 * The single sign-on provider of the /v1/auth/oidc/{provider} routes, and of linked identities. fetch
 * follows the start route's redirect to the provider, whose interaction page answers 400 without the
 * browser's cookies: the start route's 400 in the allowed answers comes from there.
 */
let idp: TestIdp | undefined;
const OIDC_PROVIDER = 'matrix';
let url: string;
let document: OpenApiDocument;
let own: Tenancy;
let foreign: Tenancy;
let stranger: SignedUpUser;
let platformAdmin: SignedUpUser;
let chainSlug: string;
const callers: Caller[] = [];
const chainsMade: string[] = [];

function chainBody() {
  const slug = `matrix-${randomBytes(5).toString('hex')}`;
  return {
    slug,
    // Far above real EIP-155 ids, so that it never collides with the seed or other suites.
    chainId: randomInt(1_000_000_000, 2_000_000_000),
    name: `Matrix chain ${slug}`,
    ecosystem: 'evm',
    testnet: true,
    nativeCurrency: { symbol: 'MTX', decimals: 18 },
    explorerUrl: `https://${slug}.explorer.example.com`,
    rpc: { http: `https://${slug}.rpc.example.com/{key}`, ws: `wss://${slug}.rpc.example.com/{key}` },
  };
}

async function newChain(): Promise<string> {
  const body = chainBody();
  await created(call(url, 'POST', '/chains', platformAdmin, body), 'POST /v1/chains');
  chainsMade.push(body.slug);
  return body.slug;
}

const alertBody = () => ({
  name: 'Matrix alert',
  metric: 'events',
  comparator: 'gt',
  threshold: 1,
  windowSeconds: 300,
  everySeconds: 3600,
  enabled: false,
  channels: [{ type: 'in_app' }],
});

const idOf = async (answer: Promise<{ status: number; body: { id: string } }>, what: string) =>
  (await created(answer, what)).id;

const newProject = (tenancy: Pick<Tenancy, 'owner' | 'org'>) =>
  idOf(
    call(url, 'POST', `/orgs/${tenancy.org.id}/projects`, tenancy.owner, { name: 'Matrix', kind: 'hybrid' }),
    'POST /v1/orgs/:orgId/projects',
  );

async function newKey(
  tenancy: Pick<Tenancy, 'owner' | 'projectId'>,
  scopes: readonly string[] = SCOPES,
): Promise<{ id: string; key: string }> {
  return created(
    call<{ id: string; key: string }>(url, 'POST', `/projects/${tenancy.projectId}/keys`, tenancy.owner, {
      name: `Matrix ${scopes.join(' ')}`,
      scopes,
    }),
    'POST /v1/projects/:projectId/keys',
  );
}

const newAlert = (tenancy: Pick<Tenancy, 'owner' | 'projectId'>) =>
  idOf(
    call(url, 'POST', `/projects/${tenancy.projectId}/alerts`, tenancy.owner, alertBody()),
    'POST /v1/projects/:projectId/alerts',
  );

const newInsight = (tenancy: Pick<Tenancy, 'owner' | 'projectId'>) =>
  idOf(
    call(url, 'POST', `/projects/${tenancy.projectId}/insights`, tenancy.owner, {
      name: 'Matrix insight',
      kind: 'summary',
      params: {},
    }),
    'POST /v1/projects/:projectId/insights',
  );

const newDashboard = async (tenancy: Pick<Tenancy, 'owner' | 'projectId'>) =>
  idOf(
    call(url, 'POST', `/projects/${tenancy.projectId}/dashboards`, tenancy.owner, {
      name: 'Matrix dashboard',
      items: [{ insightId: await newInsight(tenancy), position: 0 }],
    }),
    'POST /v1/projects/:projectId/dashboards',
  );

/** A share token of a new dashboard: a share by another cell replaces a dashboard's token. */
async function newShareToken(tenancy: Pick<Tenancy, 'owner' | 'projectId'>): Promise<string> {
  const dashboardId = await newDashboard(tenancy);
  const share = await created(
    call<{ token: string }>(url, 'POST', `/dashboards/${dashboardId}/share`, tenancy.owner),
    'POST /v1/dashboards/:dashboardId/share',
  );
  return share.token;
}

const newInvitation = (tenancy: Pick<Tenancy, 'owner' | 'org'>) =>
  idOf(
    call(url, 'POST', `/orgs/${tenancy.org.id}/invitations`, tenancy.owner, {
      email: `matrix-invitee-${randomUUID()}@e2e.northstar.test`,
      role: 'viewer',
    }),
    'POST /v1/orgs/:orgId/invitations',
  );

/** A second session of `user`, so that ending it leaves the one the matrix calls with. */
async function newSession(user: SignedUpUser): Promise<string> {
  const tokens = await logIn(url, user.email, user.password, clientAddress());
  const sessions = await call<{ items: { id: string; current: boolean }[] }>(url, 'GET', '/me/sessions', {
    ...user,
    ...tokens,
  });
  const current = sessions.body.items.find((session) => session.current);
  if (!current) throw new Error(`No current session in ${JSON.stringify(sessions.body)}`);
  return current.id;
}

/** An organisation with a project, a key, an alert, a viewer to act on and an in-app notification. */
async function makeTenancy(label: string): Promise<Tenancy> {
  const owner = await newUser(url, `${label} Owner`);
  const org = await createOrg(url, owner, `Matrix ${label}`);
  const projectId = await newProject({ owner, org });
  const keyId = (await newKey({ owner, projectId })).id;
  const alertId = await newAlert({ owner, projectId });
  const invitationId = await newInvitation({ owner, org });
  const target = await joinAs(url, org.id, owner, 'viewer');
  // A test send of an in-app alert is a notification in the organisation's inbox.
  const test = await call(url, 'POST', `/alerts/${alertId}/test`, owner);
  if (test.status !== 202) throw new Error(`POST /v1/alerts/:alertId/test answered ${test.status}`);
  const notificationId = await eventually(
    async () => {
      const inbox = await call<{ items: { id: string; alertId: string }[] }>(
        url,
        'GET',
        '/me/notifications',
        owner,
      );
      const found = inbox.body.items.find((item) => item.alertId === alertId);
      if (!found) throw new Error(`No notification of alert ${alertId} yet`);
      return found.id;
    },
    { timeoutMs: 15_000, intervalMs: 200 },
  );
  return {
    owner,
    org,
    projectId,
    keyId,
    alertId,
    invitationId,
    target,
    notificationId,
    sessionId: await newSession(target),
    identityId: await newIdentity(target),
    insightId: await newInsight({ owner, projectId }),
    dashboardId: await newDashboard({ owner, projectId }),
  };
}

/** Links a new provider identity to the user (its email is verified, so it keeps its password). */
async function newIdentity(user: SignedUpUser): Promise<string> {
  await signInThroughIdp(url, OIDC_PROVIDER, user.email);
  const list = await call<{ items: { id: string }[] }>(url, 'GET', '/me/identities', user);
  const newest = list.body.items.at(-1);
  if (list.status !== 200 || !newest) throw new Error(`GET /v1/me/identities answered ${list.status}`);
  return newest.id;
}

beforeAll(async () => {
  idp = await startTestIdp();
  // The provider must know the gateway's callback URL, hence its port, before it serves.
  const port = await freePort();
  platform = await startWholePlatform(
    'matrix',
    // Every caller makes a few analytics queries; the per-caller budget is not what is tested here.
    { ANALYTICS_REQUESTS_PER_MINUTE: '100000', PORT: String(port) },
    {
      identity: {
        NORTHSTAR_ADMIN_EMAILS: ADMIN_EMAIL,
        OIDC_PROVIDERS: JSON.stringify([
          { id: OIDC_PROVIDER, name: 'Matrix IdP', issuer: idp.issuer, clientId: 'matrix' },
        ]),
        OIDC_CLIENT_SECRETS: JSON.stringify({ [OIDC_PROVIDER]: 'matrix-secret' }),
      },
    },
  );
  url = platform.url;
  await idp.configure([
    {
      client_id: 'matrix',
      client_secret: 'matrix-secret',
      redirect_uris: [`${url}/v1/auth/oidc/${OIDC_PROVIDER}/callback`],
    },
  ]);
  document = await loadOpenApi(url);
  own = await makeTenancy('Own');
  foreign = await makeTenancy('Foreign');
  stranger = await newUser(url, 'Matrix Stranger');
  platformAdmin = await signUpPlatformAdmin(url, ADMIN_EMAIL);
  chainSlug = await newChain();

  callers.push({ name: 'owner', role: 'owner', user: own.owner });
  for (const role of ['admin', 'member', 'viewer'] as const) {
    callers.push({ name: role, role, user: await joinAs(url, own.org.id, own.owner, role) });
  }
  callers.push({ name: 'non-member', user: stranger });
  callers.push({ name: 'platform admin', user: platformAdmin, platformAdmin: true });
  for (const scope of SCOPES) {
    const key = await newKey(own, [scope]);
    callers.push({ name: `key with ${scope} only`, key: { plaintext: key.key, scopes: [scope] } });
  }
  callers.push({ name: 'no credentials' });
}, 180_000);

afterAll(async () => {
  if (platform && platformAdmin) {
    for (const slug of chainsMade) await call(url, 'DELETE', `/chains/${slug}`, platformAdmin);
  }
  await platform?.close();
  await idp?.close();
});

// ---------------------------------------------------------------------------------------------
// What each cell must answer, from the operation's x-northstar-access alone.

const rank = (role: OrgRole) => ROLES.indexOf(role);
const ORG_ROLES: readonly string[] = ROLES;

function expectedFor(access: DocumentedAccess, caller: Caller, tenant: Tenant): Expected {
  if (access.public) return { status: 'allowed' };
  // No caller of the matrix holds a service token: users, keys and nobody alike are refused.
  if (access.service) return { status: 401, why: `the route takes a ${access.service} service token only` };
  if (caller.key) {
    if (!access.scopes) return { status: 401, why: 'the route takes no API key' };
    if (!access.scopes.every((scope) => caller.key?.scopes.includes(scope)))
      return { status: 403, why: `the key lacks ${access.scopes.join(', ')}` };
    if (tenant === 'foreign') return { status: 404, why: "another tenant's object" };
    return { status: 'allowed' };
  }
  if (!caller.user) return { status: 401, why: 'no credentials' };
  if (!access.role) return { status: 401, why: 'the route takes API keys only' };
  if (access.role === 'platform-admin') {
    return caller.platformAdmin ? { status: 'allowed' } : { status: 403, why: 'not a platform admin' };
  }
  if (access.role === 'user') {
    return tenant === 'foreign' ? { status: 404, why: "another user's object" } : { status: 'allowed' };
  }
  if (tenant === 'foreign') return { status: 404, why: "another tenant's object" };
  if (!caller.role) return { status: 404, why: 'not a member of the organisation' };
  return rank(caller.role) >= rank(access.role)
    ? { status: 'allowed' }
    : { status: 403, why: `${caller.role} is below ${access.role}` };
}

// ---------------------------------------------------------------------------------------------
// Requests

/** Path parameters that name an object of a tenant (an organisation's, or a user's own). */
const TENANT_PARAMETERS = new Set([
  'orgId',
  'projectId',
  'keyId',
  'alertId',
  'invitationId',
  'userId',
  'id',
  'insightId',
  'dashboardId',
]);

const pathParameters = (path: string) => [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');

/** Ending the object: the cells that should succeed get a fresh one. */
const destroys = (operation: RouteOperation) =>
  operation.method === 'delete' || operation.path.endsWith('/rotate');

async function parameterValue(name: string, cell: Cell, fresh: boolean): Promise<string> {
  const tenancy = cell.tenant === 'foreign' ? foreign : own;
  const { path } = cell.operation;
  switch (name) {
    case 'orgId':
      return fresh ? (await createOrg(url, own.owner, 'Matrix doomed')).id : tenancy.org.id;
    case 'projectId':
      return fresh ? newProject(own) : tenancy.projectId;
    case 'keyId':
      return fresh ? (await newKey(own)).id : tenancy.keyId;
    case 'alertId':
      return fresh ? newAlert(own) : tenancy.alertId;
    case 'invitationId':
      return fresh ? newInvitation(own) : tenancy.invitationId;
    case 'userId':
      return fresh ? (await joinAs(url, own.org.id, own.owner, 'viewer')).user.id : tenancy.target.user.id;
    case 'slug':
      return fresh ? newChain() : chainSlug;
    case 'insightId':
      return fresh ? newInsight(own) : tenancy.insightId;
    case 'dashboardId':
      return fresh ? newDashboard(own) : tenancy.dashboardId;
    case 'token':
      // The public shared-dashboard route: the share token is its only credential.
      return newShareToken(own);
    case 'id':
      if (path.startsWith('/v1/me/sessions/')) {
        // The caller's own session is always a new one: ending the one it calls with would end the run.
        if (cell.tenant === 'own' && cell.caller.user) return newSession(cell.caller.user);
        return tenancy.sessionId;
      }
      if (path.startsWith('/v1/me/notifications/')) return tenancy.notificationId;
      if (path.startsWith('/v1/me/identities/')) {
        if (fresh && cell.caller.user) return newIdentity(cell.caller.user);
        return tenancy.identityId;
      }
      break;
    case 'provider':
      return OIDC_PROVIDER;
    case 'name':
      // A custom metric's name: a series with no points answers zeros, which is enough to see who may read it.
      if (path.startsWith('/v1/projects/{projectId}/metrics/')) return 'matrix.metric';
      break;
  }
  throw new Error(`No fixture for the path parameter {${name}} of ${cell.operation.route}: add one`);
}

type BodyFactory = (cell: Cell) => unknown;

const event = () => ({
  type: 'track',
  event: 'Matrix',
  anonymousId: 'matrix-anonymous',
  messageId: randomUUID(),
  properties: { cell: true },
});

/** A minimal valid body of each operation that takes one, by `METHOD /path`. */
const BODIES: Record<string, BodyFactory> = {
  'POST /v1/auth/register': () => ({ email: uniqueEmail('matrix'), password: TEST_PASSWORD, name: 'M' }),
  'POST /v1/auth/login': () => ({ email: stranger.email, password: TEST_PASSWORD }),
  'POST /v1/auth/refresh': async () => ({
    refreshToken: (await logIn(url, stranger.email, TEST_PASSWORD, clientAddress())).refreshToken,
  }),
  'POST /v1/auth/logout': async () => ({
    refreshToken: (await logIn(url, stranger.email, TEST_PASSWORD, clientAddress())).refreshToken,
  }),
  'POST /v1/auth/verify-email': () => ({ token: 'matrix-unknown-token' }),
  'POST /v1/auth/forgot-password': () => ({ email: uniqueEmail('matrix-forgot') }),
  'POST /v1/auth/reset-password': () => ({ token: 'matrix-unknown-token', password: 'a new long password' }),
  'POST /v1/auth/oidc/exchange': () => ({ code: 'matrix-unknown-code' }),
  'PATCH /v1/me': () => ({ name: 'Matrix User' }),
  'POST /v1/me/identities/oidc/{provider}': () => ({}),
  'POST /v1/auth/mfa': () => ({ mfaToken: 'matrix-unknown-token', code: '123456' }),
  // Nobody in the matrix has two factors on: these answer 400 (a wrong code) or 409 (nothing to act on).
  'POST /v1/me/mfa/totp/confirm': () => ({ code: '123456' }),
  'POST /v1/me/mfa/recovery-codes': () => ({ code: '123456' }),
  'DELETE /v1/me/mfa/totp': () => ({ password: TEST_PASSWORD, code: '123456' }),
  'POST /v1/orgs': () => ({ name: 'Matrix Made' }),
  'PATCH /v1/orgs/{orgId}': () => ({ name: 'Matrix Renamed' }),
  // The plan the matrix's organisations are on already: the cells keep making projects, members and keys.
  'PUT /v1/orgs/{orgId}/plan': () => ({ planId: E2E_PLAN }),
  'PATCH /v1/orgs/{orgId}/members/{userId}': () => ({ role: 'viewer' }),
  'POST /v1/orgs/{orgId}/invitations': () => ({ email: uniqueEmail('matrix-invitee'), role: 'viewer' }),
  'POST /v1/invitations/accept': () => ({ token: 'nsi_matrix-unknown-token' }),
  'POST /v1/orgs/{orgId}/projects': () => ({ name: 'Matrix Made', kind: 'web2' }),
  'PATCH /v1/projects/{projectId}': () => ({ name: 'Matrix Renamed' }),
  'POST /v1/projects/{projectId}/keys': () => ({ name: 'Matrix Made', scopes: ['rpc'] }),
  'PATCH /v1/keys/{keyId}': () => ({ name: 'Matrix Renamed' }),
  'POST /v1/keys/{keyId}/rotate': () => ({}),
  'POST /v1/projects/{projectId}/alerts': alertBody,
  'PATCH /v1/alerts/{alertId}': () => ({ name: 'Matrix Renamed' }),
  'POST /v1/projects/{projectId}/insights': () => ({ name: 'Matrix Made', kind: 'summary', params: {} }),
  'PATCH /v1/insights/{insightId}': () => ({ name: 'Matrix Renamed' }),
  'POST /v1/projects/{projectId}/dashboards': () => ({ name: 'Matrix Made', items: [] }),
  'PATCH /v1/dashboards/{dashboardId}': () => ({ name: 'Matrix Renamed' }),
  'POST /v1/projects/{projectId}/analytics/funnel': () => ({
    steps: [{ event: 'Matrix' }, { event: 'Matrix again' }],
    windowSeconds: 3600,
  }),
  'POST /v1/keys/verify': () => ({ key: 'nsk_test_00000000000000000000000000000000', chain: 'ethereum' }),
  'POST /v1/chains': () => {
    const body = chainBody();
    chainsMade.push(body.slug);
    return body;
  },
  'PATCH /v1/chains/{slug}': () => ({ name: 'Matrix chain renamed' }),
  'POST /v1/events': event,
  'POST /v1/batch': () => ({ batch: [event()] }),
  'POST /v1/metrics': () => ({ metrics: [{ name: 'matrix.metric', value: 1 }] }),
  'POST /v1/track': event,
  'POST /v1/page': () => ({ anonymousId: 'matrix-anonymous', name: 'Home', messageId: randomUUID() }),
  'POST /v1/screen': () => ({ anonymousId: 'matrix-anonymous', name: 'Home', messageId: randomUUID() }),
  'POST /v1/identify': () => ({ userId: 'matrix-user', traits: { plan: 'pro' }, messageId: randomUUID() }),
  'POST /v1/group': () => ({ userId: 'matrix-user', groupId: 'matrix-group', messageId: randomUUID() }),
  'POST /v1/alias': () => ({
    userId: 'matrix-user',
    previousId: 'matrix-anonymous',
    messageId: randomUUID(),
  }),
};
// Segment's browser library's one-letter routes take what their long forms take.
const SHORT_FORMS = { b: 'batch', t: 'track', i: 'identify', p: 'page', s: 'screen', g: 'group', a: 'alias' };
for (const [short, long] of Object.entries(SHORT_FORMS))
  BODIES[`POST /v1/${short}`] = BODIES[`POST /v1/${long}`];

/** Values of the required query parameters that have no enum to pick from. */
const QUERY_VALUES: Record<string, string> = {};

function queryOf(operation: RouteOperation): string {
  const pairs = (operation.operation.parameters ?? [])
    .filter((parameter) => parameter.in === 'query' && parameter.required)
    .map((parameter) => {
      const value = parameter.schema?.enum?.[0] ?? QUERY_VALUES[parameter.name];
      if (value === undefined)
        throw new Error(`No value for the query parameter ${parameter.name} of ${operation.route}`);
      return `${encodeURIComponent(parameter.name)}=${encodeURIComponent(String(value))}`;
    });
  return pairs.length ? `?${pairs.join('&')}` : '';
}

function headersOf(caller: Caller): Record<string, string> {
  if (caller.key) return { authorization: `Bearer ${caller.key.plaintext}` };
  if (caller.user) return authHeader(caller.user.accessToken);
  return {};
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

async function send(cell: Cell): Promise<Answer> {
  const { operation } = cell;
  const fresh = destroys(operation) && cell.expected.status === 'allowed' && cell.tenant !== 'foreign';
  let path = operation.path;
  const names = pathParameters(operation.path);
  for (const [index, name] of names.entries()) {
    // Only the object the route ends is made afresh: the one its last parameter names.
    const value = await parameterValue(name, cell, fresh && index === names.length - 1);
    path = path.replace(`{${name}}`, encodeURIComponent(value));
  }
  const factory = BODIES[operation.route];
  const body = factory ? await factory(cell) : undefined;
  const response = await fetch(`${url}${path}${queryOf(operation)}`, {
    method: operation.method.toUpperCase(),
    headers: {
      ...clientAddress(),
      ...headersOf(cell.caller),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
}

/** Why the answer is not the documented one, or undefined when it is. */
function mismatch(cell: Cell, answer: Answer): string | undefined {
  const { expected } = cell;
  if (expected.status === 'allowed') {
    if ([401, 403, 404].includes(answer.status)) return `refused an allowed caller (${answer.status})`;
    if (answer.status >= 200 && answer.status < 300) return undefined;
    const documented = Object.keys(cell.operation.operation.responses ?? {}).includes(String(answer.status));
    if ([400, 409, 422].includes(answer.status) && documented) return undefined;
    return `an allowed caller got ${answer.status}`;
  }
  if (answer.status !== expected.status) return `expected ${expected.status} (${expected.why})`;
  if (!answer.contentType.startsWith('application/problem+json')) return 'a refusal that is not problem+json';
  return undefined;
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next];
        next += 1;
        if (item !== undefined) await work(item);
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------

it('documents who may call every route (x-northstar-access), so that no route escapes the matrix', () => {
  const operations = operationsOf(document);
  expect(operations.length).toBeGreaterThan(30);
  const problems = operations.flatMap(({ route, operation }) => {
    const access = operation['x-northstar-access'];
    if (!access) return [`${route}: no x-northstar-access`];
    const roles = [...ORG_ROLES, 'user', 'platform-admin'];
    if (access.role !== undefined && !roles.includes(access.role)) return [`${route}: role ${access.role}`];
    if (access.service !== undefined && access.service !== 'rpc-proxy')
      return [`${route}: service ${access.service}`];
    if (!access.public && access.role === undefined && access.scopes === undefined && !access.service)
      return [`${route}: nobody may call it`];
    if (access.scopes?.some((scope) => !(SCOPES as readonly string[]).includes(scope)))
      return [`${route}: unknown scope in ${access.scopes.join(', ')}`];
    return [];
  });
  expect(problems).toEqual([]);
});

it('answers every route × caller × own or foreign object as x-northstar-access documents', async () => {
  const operations = operationsOf(document).filter(({ operation }) => operation['x-northstar-access']);
  const missingBodies = operations
    .filter(({ route, operation }) => operation.requestBody?.required && !BODIES[route])
    .map(({ route }) => route);
  expect({ missingBodies }).toEqual({ missingBodies: [] });

  const cells: Cell[] = operations.flatMap((operation) => {
    const access = operation.operation['x-northstar-access'] ?? {};
    const tenants: Tenant[] = pathParameters(operation.path).some((name) => TENANT_PARAMETERS.has(name))
      ? ['own', 'foreign']
      : ['none'];
    return tenants.flatMap((tenant) =>
      callers.map((caller) => ({
        operation,
        access,
        caller,
        tenant,
        expected: expectedFor(access, caller, tenant),
      })),
    );
  });
  // What ends an object goes last, after every cell that reads or changes the shared ones.
  cells.sort((a, b) => Number(destroys(a.operation)) - Number(destroys(b.operation)));

  const failures: string[] = [];
  const tally = new Map<string, number>();
  /** What the allowed callers got: mostly 2xx; a 4xx only where the minimal body is refused. */
  const allowedAnswers = new Map<number, number>();
  const allowedRefusals = new Set<string>();
  await pool(cells, CONCURRENCY, async (cell) => {
    const label = `${cell.operation.route} as ${cell.caller.name} on ${cell.tenant === 'none' ? 'no tenant object' : `an ${cell.tenant} object`}`;
    let answer: Answer;
    try {
      answer = await send(cell);
    } catch (error) {
      failures.push(`${label}: ${String(error)}`);
      return;
    }
    const key = String(cell.expected.status);
    tally.set(key, (tally.get(key) ?? 0) + 1);
    if (cell.expected.status === 'allowed') {
      allowedAnswers.set(answer.status, (allowedAnswers.get(answer.status) ?? 0) + 1);
      if (answer.status >= 400) allowedRefusals.add(`${cell.operation.route} ${answer.status}`);
    }
    const why = mismatch(cell, answer);
    if (why) failures.push(`${label}: ${why}, got ${answer.status} ${answer.text.slice(0, 200)}`);
  });

  const tenantRoutes = new Set(
    cells.filter((cell) => cell.tenant === 'own').map((cell) => cell.operation.route),
  );
  const asserted = [...tally.values()].reduce((sum, count) => sum + count, 0);
  console.log(
    `Tenancy matrix: ${operations.length} routes (${tenantRoutes.size} on a tenant's object, own and foreign) × ` +
      `${callers.length} callers (${callers.map((caller) => caller.name).join(', ')}) = ${cells.length} cells; ` +
      `${asserted} asserted (${[...tally.entries()].map(([status, count]) => `${status}: ${count}`).join(', ')}), ` +
      `${failures.length} failed\n` +
      `allowed callers got: ${[...allowedAnswers.entries()]
        .sort(([a], [b]) => a - b)
        .map(([status, count]) => `${status}: ${count}`)
        .join(', ')}${allowedRefusals.size ? ` (4xx: ${[...allowedRefusals].sort().join('; ')})` : ''}`,
  );
  expect(failures.sort()).toEqual([]);
}, 600_000);
