import { randomBytes, randomUUID } from 'node:crypto';
import { created, startWholePlatform, type WholePlatform } from './whole-platform';
import { expectProblem, getJson } from './support';
import { call, createOrg, newUser } from './tenancy-support';
import { authHeader, clientAddress, logIn, type SignedUpUser } from './users';

// Every list of the public API, behind one gateway, sent cursors it never issued: each must answer
// 400 problem+json naming `cursor`, never a 500 and never a page read from a forged position.

let platform: WholePlatform | undefined;
let url: string;
let owner: SignedUpUser;
let orgId: string;
let projectId: string;
let alertId: string;
/** Genuine cursors of two lists, each to be sent to the other lists. */
let chainsCursor: string;
let sessionsCursor: string;

beforeAll(async () => {
  platform = await startWholePlatform('cursors');
  url = platform.url;
  owner = await newUser(url, 'Cursor Owner');
  orgId = (await createOrg(url, owner, 'Cursor Org')).id;
  projectId = (
    await created(
      call<{ id: string }>(url, 'POST', `/orgs/${orgId}/projects`, owner, { name: 'Paged', kind: 'hybrid' }),
      'POST /v1/orgs/:orgId/projects',
    )
  ).id;
  alertId = (
    await created(
      call<{ id: string }>(url, 'POST', `/projects/${projectId}/alerts`, owner, {
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
  // A second session, so that the sessions list has a next page.
  await logIn(url, owner.email, owner.password, clientAddress());
  const sessions = await getJson<{ nextCursor: string | null }>(`${url}/v1/me/sessions?limit=1`, {
    headers: authHeader(owner.accessToken),
  });
  const chains = await getJson<{ nextCursor: string | null }>(`${url}/v1/chains?limit=1`);
  if (!sessions.body.nextCursor || !chains.body.nextCursor)
    throw new Error('No second page to take a cursor of');
  sessionsCursor = sessions.body.nextCursor;
  chainsCursor = chains.body.nextCursor;
}, 120_000);

afterAll(async () => {
  await platform?.close();
});

interface ListRoute {
  path: () => string;
  /** The list's cursor kind: its bus subject. */
  kind: string;
  anonymous?: boolean;
  /** A genuine cursor of another list. */
  foreign: () => string;
}

const ROUTES: Record<string, ListRoute> = {
  'GET /v1/me/sessions': {
    path: () => '/me/sessions',
    kind: 'identity.session.list',
    foreign: () => chainsCursor,
  },
  'GET /v1/orgs': { path: () => '/orgs', kind: 'tenancy.org.list', foreign: () => sessionsCursor },
  'GET /v1/orgs/:orgId/members': {
    path: () => `/orgs/${orgId}/members`,
    kind: 'tenancy.member.list',
    foreign: () => sessionsCursor,
  },
  'GET /v1/orgs/:orgId/invitations': {
    path: () => `/orgs/${orgId}/invitations`,
    kind: 'tenancy.invitation.list',
    foreign: () => sessionsCursor,
  },
  'GET /v1/orgs/:orgId/projects': {
    path: () => `/orgs/${orgId}/projects`,
    kind: 'tenancy.project.list',
    foreign: () => sessionsCursor,
  },
  'GET /v1/projects/:projectId/keys': {
    path: () => `/projects/${projectId}/keys`,
    kind: 'keys.key.list',
    foreign: () => sessionsCursor,
  },
  'GET /v1/chains': {
    path: () => '/chains',
    kind: 'chains.chain.list',
    anonymous: true,
    foreign: () => sessionsCursor,
  },
  'GET /v1/me/notifications': {
    path: () => '/me/notifications',
    kind: 'notifications.inbox.list',
    foreign: () => sessionsCursor,
  },
  'GET /v1/projects/:projectId/alerts': {
    path: () => `/projects/${projectId}/alerts`,
    kind: 'notifications.alert.list',
    foreign: () => sessionsCursor,
  },
  'GET /v1/alerts/:alertId/history': {
    path: () => `/alerts/${alertId}/history`,
    kind: 'notifications.alert.history',
    foreign: () => sessionsCursor,
  },
  'GET /v1/projects/:projectId/analytics/events': {
    path: () => `/projects/${projectId}/analytics/events`,
    kind: 'analytics.query.events',
    foreign: () => sessionsCursor,
  },
};

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');
const json = (value: unknown) => base64url(JSON.stringify(value));
const ID = randomUUID();

/** Crafted cursors: what a client could send that no list ever issued. */
const CRAFTED: [string, (route: ListRoute) => string][] = [
  ['random bytes in base64url', () => base64url(randomBytes(48))],
  ['base64url of other JSON', () => json({ hello: 'world', admin: true })],
  ['base64url of a JSON array', () => json([1, 2, 3])],
  ['a genuine cursor of another list', (route) => route.foreign()],
  [
    'the position of this list under another kind',
    () => json({ v: 1, k: 'tenancy.other.list', at: new Date().toISOString(), id: ID }),
  ],
  [
    'a position of this list with wrong types',
    (route) => json({ v: 1, k: route.kind, at: 17, id: { $gt: '' }, slug: 1, timestamp: 'now', ms: null }),
  ],
  [
    'an id that is not a UUID',
    (route) => json({ v: 1, k: route.kind, at: new Date().toISOString(), id: "1'; drop table x; --" }),
  ],
  [
    'a time, then an id that is not a UUID (the old format)',
    () => base64url(`2026-11-22T10:00:00.000Z|not-a-uuid`),
  ],
  ['a bare word (the old chains format)', () => base64url('ethereum')],
  [
    'NUL bytes in the payload',
    (route) => json({ v: 1, k: route.kind, at: '\u0000', id: `${ID}\u0000`, slug: '\u0000' }),
  ],
  ['NUL bytes in the cursor', () => `abc\u0000def`],
  ['a huge payload', (route) => json({ v: 1, k: route.kind, id: 'a'.repeat(300) })],
  ['a cursor over the length limit', () => 'A'.repeat(2000)],
];

describe('list cursors through the gateway', () => {
  const cases = Object.entries(ROUTES).flatMap(([name, route]) =>
    CRAFTED.map(([what, cursor]) => [name, what, route, cursor] as const),
  );

  it.each(cases)('%s refuses %s with a 400 naming cursor', async (_name, _what, route, cursor) => {
    const response = await fetch(
      `${url}/v1${route.path()}?${new URLSearchParams({ cursor: cursor(route) }).toString()}`,
      { headers: route.anonymous ? {} : authHeader(owner.accessToken) },
    );
    const problem = await expectProblem(response, 400);
    expect(problem.errors?.map((error) => error.field)).toEqual(['cursor']);
  });

  it('still pages with the cursors the lists issue', async () => {
    for (const [path, cursor] of [
      ['/me/sessions', sessionsCursor],
      ['/chains', chainsCursor],
    ] as const) {
      const { body } = await getJson<{ items: unknown[] }>(
        `${url}/v1${path}?limit=1&cursor=${encodeURIComponent(cursor)}`,
        { headers: authHeader(owner.accessToken) },
      );
      expect(body.items).toHaveLength(1);
    }
  });
});
