import { expectProblem, UUID_PATTERN } from './support';
import {
  call,
  createOrg,
  invitationTokenFor,
  newUser,
  startTenancyStack,
  team,
  type TenancyStack,
  type TestOrg,
} from './tenancy-support';
import { signUp, uniqueEmail, verifyEmail, type SignedUpUser } from './users';

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

interface Member {
  userId: string;
  email: string | null;
  name: string | null;
  role: string;
  joinedAt: string;
}

interface Project {
  id: string;
  orgId: string;
  name: string;
  slug: string;
  kind: string;
  timezone: string;
  createdAt: string;
}

const INVITATIONS_PER_USER = 6;

let stack: TenancyStack;
let url: string;

beforeAll(async () => {
  // Low enough to reach over HTTP in a test; no other test here has one user invite this often.
  stack = await startTenancyStack({ INVITATIONS_PER_USER_PER_HOUR: String(INVITATIONS_PER_USER) });
  url = stack.url;
});

afterAll(async () => {
  await stack?.close();
});

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const slugOf = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

describe('organisations over HTTP', () => {
  it('POST /v1/orgs answers 201 with the organisation; the caller is its owner', async () => {
    const owner = await newUser(url);
    const slug = slugOf('acme');
    const created = await call<TestOrg>(url, 'POST', '/orgs', owner, { name: 'Acme Inc', slug });

    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(UUID_PATTERN),
      name: 'Acme Inc',
      slug,
      requireMfa: false,
      trustedMfaProviders: [],
      createdAt: expect.stringMatching(ISO),
    });
    const got = await call(url, 'GET', `/orgs/${created.body.id}`, owner);
    expect(got).toMatchObject({ status: 200, body: { ...created.body, role: 'owner' } });
  });

  it('POST /v1/orgs derives the slug from the name and answers 409 for a slug that is taken', async () => {
    const owner = await newUser(url);
    const name = `Zürich ${slugOf('z')}`;
    const first = await call<TestOrg>(url, 'POST', '/orgs', owner, { name });
    const second = await call<TestOrg>(url, 'POST', '/orgs', owner, { name });
    const base = name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-');
    expect([first.body.slug, second.body.slug]).toEqual([base, `${base}-2`]);

    const problem = await expectProblem(
      (await call(url, 'POST', '/orgs', owner, { name: 'Copy', slug: first.body.slug })).response,
      409,
    );
    expect(problem.detail).toContain(first.body.slug);
  });

  it('POST /v1/orgs answers 400 naming each invalid field, and 401 without a user', async () => {
    const owner = await newUser(url);
    const invalid = await expectProblem(
      (await call(url, 'POST', '/orgs', owner, { name: '', slug: 'No Spaces', plan: 'gold' })).response,
      400,
    );
    expect(new Set(invalid.errors?.map((e) => e.field))).toEqual(new Set(['name', 'slug', 'plan']));
    await expectProblem((await call(url, 'POST', '/orgs', null, { name: 'Anonymous' })).response, 401);
  });

  it("GET /v1/orgs lists the caller's organisations with the caller's role, page by page", async () => {
    const user = await newUser(url);
    const mine = await createOrg(url, user, 'Mine');
    const other = await newUser(url);
    const theirs = await createOrg(url, other, 'Theirs');
    await createOrg(url, other, 'Not shared');
    const since = new Date(Date.now() - 1000);
    await call(url, 'POST', `/orgs/${theirs.id}/invitations`, other, { email: user.email, role: 'viewer' });
    const token = await invitationTokenFor(theirs.id, user.email, since);
    expect((await call(url, 'POST', '/invitations/accept', user, { token })).status).toBe(200);

    const first = await call<Page<TestOrg & { role: string }>>(url, 'GET', '/orgs?limit=1', user);
    expect(first.status).toBe(200);
    const second = await call<Page<TestOrg & { role: string }>>(
      url,
      'GET',
      `/orgs?limit=1&cursor=${encodeURIComponent(first.body.nextCursor ?? '')}`,
      user,
    );
    expect([...first.body.items, ...second.body.items]).toEqual([
      { ...mine, role: 'owner' },
      { ...theirs, role: 'viewer' },
    ]);
    expect(second.body.nextCursor).toBeNull();
    await expectProblem((await call(url, 'GET', '/orgs?limit=500', user)).response, 400);
  });

  it('GET / PATCH / DELETE /v1/orgs/:orgId: viewer reads, admin changes, owner deletes', async () => {
    const t = await team(url);
    const path = `/orgs/${t.org.id}`;
    expect(await call(url, 'GET', path, t.viewer)).toMatchObject({
      status: 200,
      body: { id: t.org.id, role: 'viewer' },
    });
    await expectProblem((await call(url, 'GET', path, t.outsider)).response, 404);
    await expectProblem((await call(url, 'GET', '/orgs/not-an-id', t.owner)).response, 400);

    await expectProblem((await call(url, 'PATCH', path, t.member, { name: 'Nope' })).response, 403);
    const slug = slugOf('renamed');
    const patched = await call(url, 'PATCH', path, t.admin, { name: 'Renamed', slug });
    expect(patched).toMatchObject({
      status: 200,
      body: { id: t.org.id, name: 'Renamed', slug, role: 'admin' },
    });

    await expectProblem((await call(url, 'DELETE', path, t.admin)).response, 403);
    await expectProblem((await call(url, 'DELETE', path, t.outsider)).response, 404);
    const deleted = await call(url, 'DELETE', path, t.owner);
    expect(deleted.status).toBe(204);
    await expectProblem((await call(url, 'GET', path, t.owner)).response, 404);
  });
});

describe('members over HTTP', () => {
  it('GET /v1/orgs/:orgId/members shows email and name from identity with role and join time', async () => {
    const t = await team(url);
    const listed = await call<Page<Member>>(url, 'GET', `/orgs/${t.org.id}/members`, t.viewer);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      items: [
        [t.owner, 'owner'],
        [t.admin, 'admin'],
        [t.member, 'member'],
        [t.viewer, 'viewer'],
      ].map(([user, role]) => ({
        userId: (user as SignedUpUser).user.id,
        email: (user as SignedUpUser).user.email,
        name: (user as SignedUpUser).user.name,
        role,
        joinedAt: expect.stringMatching(ISO),
      })),
      nextCursor: null,
    });
    await expectProblem((await call(url, 'GET', `/orgs/${t.org.id}/members`, t.outsider)).response, 404);
  });

  it('PATCH /v1/orgs/:orgId/members/:userId: admin changes roles, only an owner grants owner', async () => {
    const t = await team(url);
    const path = (user: SignedUpUser) => `/orgs/${t.org.id}/members/${user.user.id}`;

    const promoted = await call(url, 'PATCH', path(t.viewer), t.admin, { role: 'member' });
    expect(promoted).toMatchObject({
      status: 200,
      body: {
        orgId: t.org.id,
        userId: t.viewer.user.id,
        role: 'member',
        joinedAt: expect.stringMatching(ISO),
      },
    });
    const forbidden = await expectProblem(
      (await call(url, 'PATCH', path(t.member), t.admin, { role: 'owner' })).response,
      403,
    );
    expect(forbidden.detail).toMatch(/owner/);
    await expectProblem(
      (await call(url, 'PATCH', path(t.viewer), t.member, { role: 'admin' })).response,
      403,
    );
    const badRole = await expectProblem(
      (await call(url, 'PATCH', path(t.viewer), t.owner, { role: 'god' })).response,
      400,
    );
    expect(badRole.errors?.map((e) => e.field)).toEqual(['role']);

    const lastOwner = await expectProblem(
      (await call(url, 'PATCH', path(t.owner), t.owner, { role: 'admin' })).response,
      409,
    );
    expect(lastOwner.detail).toMatch(/owner/);
  });

  it('keeps one owner when two owners demote each other at the same moment', async () => {
    const t = await team(url);
    const path = (user: SignedUpUser) => `/orgs/${t.org.id}/members/${user.user.id}`;
    expect((await call(url, 'PATCH', path(t.admin), t.owner, { role: 'owner' })).status).toBe(200);

    const answers = await Promise.all([
      call(url, 'PATCH', path(t.admin), t.owner, { role: 'admin' }),
      call(url, 'PATCH', path(t.owner), t.admin, { role: 'admin' }),
    ]);
    expect(answers.map((answer) => answer.status).filter((status) => status === 200)).toHaveLength(1);
    const members = await call<Page<Member>>(url, 'GET', `/orgs/${t.org.id}/members`, t.viewer);
    expect(members.body.items.filter((member) => member.role === 'owner')).toHaveLength(1);
  });

  it('DELETE /v1/orgs/:orgId/members/:userId: admin removes, anyone leaves, never the last owner', async () => {
    const t = await team(url);
    const path = (user: SignedUpUser) => `/orgs/${t.org.id}/members/${user.user.id}`;

    await expectProblem((await call(url, 'DELETE', path(t.member), t.viewer)).response, 403);
    expect((await call(url, 'DELETE', path(t.member), t.admin)).status).toBe(204);
    expect((await call(url, 'DELETE', path(t.viewer), t.viewer)).status).toBe(204);
    await expectProblem((await call(url, 'GET', `/orgs/${t.org.id}`, t.viewer)).response, 404);
    await expectProblem((await call(url, 'DELETE', path(t.owner), t.admin)).response, 403);
    await expectProblem((await call(url, 'DELETE', path(t.owner), t.owner)).response, 409);

    const members = await call<Page<Member>>(url, 'GET', `/orgs/${t.org.id}/members`, t.owner);
    expect(members.body.items.map((member) => member.role)).toEqual(['owner', 'admin']);
  });
});

describe('invitations over HTTP', () => {
  it('POST /v1/orgs/:orgId/invitations answers 201; GET lists the pending ones to admins', async () => {
    const t = await team(url);
    const email = uniqueEmail('Invitee');
    const created = await call(url, 'POST', `/orgs/${t.org.id}/invitations`, t.admin, {
      email,
      role: 'member',
    });
    expect(created).toMatchObject({
      status: 201,
      body: {
        id: expect.stringMatching(UUID_PATTERN),
        orgId: t.org.id,
        email: email.toLowerCase(),
        role: 'member',
        invitedBy: t.admin.user.id,
        createdAt: expect.stringMatching(ISO),
        expiresAt: expect.stringMatching(ISO),
      },
    });

    const pending = await call<Page<{ id: string }>>(url, 'GET', `/orgs/${t.org.id}/invitations`, t.owner);
    expect(pending.status).toBe(200);
    expect(pending.body.items.map((invitation) => invitation.id)).toEqual([
      (created.body as { id: string }).id,
    ]);

    await expectProblem((await call(url, 'GET', `/orgs/${t.org.id}/invitations`, t.member)).response, 403);
    await expectProblem(
      (await call(url, 'POST', `/orgs/${t.org.id}/invitations`, t.admin, { email, role: 'owner' })).response,
      403,
    );
    await expectProblem(
      (await call(url, 'POST', `/orgs/${t.org.id}/invitations`, t.outsider, { email, role: 'viewer' }))
        .response,
      404,
    );
    const invalid = await expectProblem(
      (await call(url, 'POST', `/orgs/${t.org.id}/invitations`, t.admin, { email: 'nope', role: 'member' }))
        .response,
      400,
    );
    expect(invalid.errors?.map((e) => e.field)).toEqual(['email']);
  });

  it('POST /v1/orgs/:orgId/invitations needs a verified email: 403 email-not-verified', async () => {
    const owner = await signUp(url, { email: uniqueEmail('Unverified') });
    const org = await createOrg(url, owner);
    const refused = await call(url, 'POST', `/orgs/${org.id}/invitations`, owner, {
      email: uniqueEmail('Invitee'),
      role: 'member',
    });
    const problem = await expectProblem(refused.response, 403);
    expect(problem.type).toMatch(/\/problems\/email-not-verified$/);
    const pending = await call<Page<{ id: string }>>(url, 'GET', `/orgs/${org.id}/invitations`, owner);
    expect(pending.body.items).toEqual([]);

    await verifyEmail(url, owner.email);
    const invited = await call(url, 'POST', `/orgs/${org.id}/invitations`, owner, {
      email: uniqueEmail('Invitee'),
      role: 'member',
    });
    expect(invited.status).toBe(201);
  });

  it('POST /v1/orgs/:orgId/invitations past the hourly limit: 429 with Retry-After', async () => {
    const owner = await newUser(url);
    const org = await createOrg(url, owner);
    const invite = () =>
      call(url, 'POST', `/orgs/${org.id}/invitations`, owner, { email: uniqueEmail('Many'), role: 'viewer' });
    for (let i = 0; i < INVITATIONS_PER_USER; i++) expect((await invite()).status).toBe(201);

    const refused = await invite();
    await expectProblem(refused.response, 429);
    const retryAfter = Number(refused.response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
  });

  it('POST /v1/invitations/accept: only the invited, verified address joins, and only once', async () => {
    const owner = await newUser(url);
    const org = await createOrg(url, owner);
    // Registered but not verified yet.
    const invitee = await signUp(url, { email: uniqueEmail('Invitee'), name: 'Grace Hopper' });
    const stranger = await newUser(url);
    const since = new Date(Date.now() - 1000);
    await call(url, 'POST', `/orgs/${org.id}/invitations`, owner, { email: invitee.email, role: 'admin' });
    const token = await invitationTokenFor(org.id, invitee.email, since);

    const wrongUser = await expectProblem(
      (await call(url, 'POST', '/invitations/accept', stranger, { token })).response,
      403,
    );
    expect(wrongUser.detail).toMatch(/another email address/);
    const unverified = await expectProblem(
      (await call(url, 'POST', '/invitations/accept', invitee, { token })).response,
      403,
    );
    expect(unverified.detail).toMatch(/[Vv]erify your email/);

    await verifyEmail(url, invitee.email);
    const accepted = await call(url, 'POST', '/invitations/accept', invitee, { token });
    expect(accepted).toMatchObject({
      status: 200,
      body: { orgId: org.id, userId: invitee.user.id, role: 'admin', joinedAt: expect.stringMatching(ISO) },
    });
    expect(await call(url, 'GET', `/orgs/${org.id}`, invitee)).toMatchObject({
      status: 200,
      body: { role: 'admin' },
    });

    const reused = await expectProblem(
      (await call(url, 'POST', '/invitations/accept', invitee, { token })).response,
      400,
    );
    expect(reused.errors?.map((e) => e.field)).toEqual(['token']);
    await expectProblem(
      (await call(url, 'POST', '/invitations/accept', invitee, { token: 'nsi_unknown' })).response,
      400,
    );
    await expectProblem((await call(url, 'POST', '/invitations/accept', null, { token })).response, 401);
  });
});

describe('projects over HTTP', () => {
  it('POST /v1/orgs/:orgId/projects answers 201 for an admin, 403 below, 404 outside', async () => {
    const t = await team(url);
    const path = `/orgs/${t.org.id}/projects`;
    const created = await call<Project>(url, 'POST', path, t.admin, {
      name: 'Storefront',
      kind: 'hybrid',
      timezone: 'Europe/Paris',
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(UUID_PATTERN),
      orgId: t.org.id,
      name: 'Storefront',
      slug: 'storefront',
      kind: 'hybrid',
      timezone: 'Europe/Paris',
      createdAt: expect.stringMatching(ISO),
    });
    const defaulted = await call<Project>(url, 'POST', path, t.owner, { name: 'Storefront', kind: 'web2' });
    expect(defaulted.body).toMatchObject({ slug: 'storefront-2', timezone: 'UTC' });

    await expectProblem((await call(url, 'POST', path, t.member, { name: 'X', kind: 'web2' })).response, 403);
    await expectProblem(
      (await call(url, 'POST', path, t.outsider, { name: 'X', kind: 'web2' })).response,
      404,
    );
    await expectProblem(
      (await call(url, 'POST', path, t.admin, { name: 'X', kind: 'web2', slug: 'storefront' })).response,
      409,
    );
    const invalid = await expectProblem(
      (await call(url, 'POST', path, t.admin, { name: 'X', kind: 'web5', timezone: 'Mars/Base' })).response,
      400,
    );
    expect(new Set(invalid.errors?.map((e) => e.field))).toEqual(new Set(['kind', 'timezone']));
  });

  it('GET /v1/orgs/:orgId/projects lists them page by page for any member', async () => {
    const t = await team(url);
    const made: Project[] = [];
    for (const name of ['One', 'Two', 'Three']) {
      made.push(
        (await call<Project>(url, 'POST', `/orgs/${t.org.id}/projects`, t.admin, { name, kind: 'web3' }))
          .body,
      );
    }
    const first = await call<Page<Project>>(url, 'GET', `/orgs/${t.org.id}/projects?limit=2`, t.viewer);
    const second = await call<Page<Project>>(
      url,
      'GET',
      `/orgs/${t.org.id}/projects?limit=2&cursor=${encodeURIComponent(first.body.nextCursor ?? '')}`,
      t.viewer,
    );
    expect([...first.body.items, ...second.body.items]).toEqual(made);
    expect(second.body.nextCursor).toBeNull();
    await expectProblem((await call(url, 'GET', `/orgs/${t.org.id}/projects`, t.outsider)).response, 404);
  });

  it('GET / PATCH / DELETE /v1/projects/:projectId: viewer reads, admin changes and deletes', async () => {
    const t = await team(url);
    const project = (
      await call<Project>(url, 'POST', `/orgs/${t.org.id}/projects`, t.admin, { name: 'App', kind: 'web2' })
    ).body;
    const path = `/projects/${project.id}`;

    expect(await call(url, 'GET', path, t.viewer)).toMatchObject({ status: 200, body: project });
    await expectProblem((await call(url, 'GET', path, t.outsider)).response, 404);
    await expectProblem((await call(url, 'GET', '/projects/123', t.owner)).response, 400);

    await expectProblem((await call(url, 'PATCH', path, t.member, { name: 'Nope' })).response, 403);
    const patched = await call(url, 'PATCH', path, t.admin, {
      name: 'Renamed',
      timezone: 'Asia/Tokyo',
      kind: 'hybrid',
    });
    expect(patched).toMatchObject({
      status: 200,
      body: { ...project, name: 'Renamed', timezone: 'Asia/Tokyo', kind: 'hybrid' },
    });

    await expectProblem((await call(url, 'DELETE', path, t.viewer)).response, 403);
    await expectProblem((await call(url, 'DELETE', path, t.outsider)).response, 404);
    expect((await call(url, 'DELETE', path, t.admin)).status).toBe(204);
    await expectProblem((await call(url, 'GET', path, t.admin)).response, 404);
  });
});

describe('the OpenAPI document', () => {
  it('describes every tenancy route with its answers', async () => {
    const document = (await (await fetch(`${url}/docs-json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
    };
    const expected: [string, string, string[]][] = [
      ['/v1/orgs', 'post', ['201', '400', '401', '409']],
      ['/v1/orgs', 'get', ['200', '400', '401']],
      ['/v1/orgs/{orgId}', 'get', ['200', '401', '404']],
      ['/v1/orgs/{orgId}', 'patch', ['200', '400', '403', '404', '409']],
      ['/v1/orgs/{orgId}', 'delete', ['204', '403', '404']],
      ['/v1/orgs/{orgId}/members', 'get', ['200', '404']],
      ['/v1/orgs/{orgId}/members/{userId}', 'patch', ['200', '403', '404', '409']],
      ['/v1/orgs/{orgId}/members/{userId}', 'delete', ['204', '403', '404', '409']],
      ['/v1/orgs/{orgId}/invitations', 'post', ['201', '400', '403', '404', '429']],
      ['/v1/orgs/{orgId}/invitations', 'get', ['200', '403', '404']],
      ['/v1/invitations/accept', 'post', ['200', '400', '403', '409']],
      ['/v1/orgs/{orgId}/projects', 'post', ['201', '400', '403', '404', '409']],
      ['/v1/orgs/{orgId}/projects', 'get', ['200', '404']],
      ['/v1/projects/{projectId}', 'get', ['200', '404']],
      ['/v1/projects/{projectId}', 'patch', ['200', '403', '404', '409']],
      ['/v1/projects/{projectId}', 'delete', ['204', '403', '404']],
    ];
    for (const [path, method, statuses] of expected) {
      const operation = document.paths[path]?.[method];
      expect({ path, method, statuses: Object.keys(operation?.responses ?? {}) }).toEqual({
        path,
        method,
        statuses: expect.arrayContaining(statuses),
      });
      expect(operation?.security).toEqual([{ user: [] }]);
    }
  });
});
