import {
  BUS_USERS,
  IdentitySubjects,
  inboxPrefixOf,
  natsPasswordVariable,
  type BusUser,
} from '@northstar/contracts';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect, Events, type NatsConnection } from 'nats';
import { eventually, expectProblem, getJson } from './support';
import { authHeader, clientAddress, postJson, signUp, uniqueEmail } from './users';
import { created, startWholePlatform, type WholePlatform } from './whole-platform';

// The whole platform on a NATS that requires credentials, configured by the generated
// deploy/nats/auth.conf: one user per process, each limited to the subjects it sends and receives.
// A flow that needs a subject its process was not given fails here.

const AUTH_CONF = resolve(__dirname, '../../../deploy/nats/auth.conf');
const passwords = Object.fromEntries(
  BUS_USERS.map((user) => [user, `pw${randomBytes(16).toString('hex')}`]),
) as Record<BusUser, string>;

let dir: string;
let nats: ChildProcess;
let natsUrl: string;
/** nats-server's log: every refusal of a subject is there. */
let natsLog = '';
let platform: WholePlatform;

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Connects as `user` (or anonymously), as that process would. */
function connectAs(user?: BusUser, password = user ? passwords[user] : undefined): Promise<NatsConnection> {
  return connect({
    servers: natsUrl,
    maxReconnectAttempts: 0,
    ...(user ? { user, pass: password, inboxPrefix: inboxPrefixOf(user) } : {}),
  });
}

const credentialsOf = (user: BusUser) => ({
  NATS_URL: natsUrl,
  NATS_USER: user,
  NATS_PASSWORD: passwords[user],
  NATS_PROBE_PASSWORD: passwords.gateway,
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'northstar-nats-auth-'));
  copyFileSync(AUTH_CONF, join(dir, 'auth.conf'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'nats.conf'),
    [
      `listen: 127.0.0.1:${port}`,
      `jetstream { store_dir: "${join(dir, 'js')}" }`,
      'include ./auth.conf',
      '',
    ].join('\n'),
  );
  const env = { ...process.env };
  for (const user of BUS_USERS) env[natsPasswordVariable(user)] = passwords[user];
  nats = spawn('nats-server', ['-c', join(dir, 'nats.conf')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [nats.stdout, nats.stderr])
    stream?.on('data', (chunk: Buffer) => (natsLog += chunk.toString()));
  natsUrl = `nats://127.0.0.1:${port}`;
  await eventually(async () => (await connectAs('gateway')).close(), { timeoutMs: 10_000 });
  const services = Object.fromEntries(
    BUS_USERS.filter((user) => user !== 'gateway').map((user) => [user, credentialsOf(user)]),
  );
  platform = await startWholePlatform('bus-credentials', credentialsOf('gateway'), services);
}, 120_000);

afterAll(async () => {
  await platform?.close();
  nats?.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a bus that requires credentials', () => {
  it('refuses a client without credentials, or with a wrong password', async () => {
    await expect(connectAs()).rejects.toThrow(/authorization/i);
    await expect(connectAs('gateway', 'not-the-password')).rejects.toThrow(/authorization/i);
  });

  it('runs the platform: sign-up, an organisation, a project, a key, an event stored and counted', async () => {
    const owner = await signUp(platform.url);
    const auth = authHeader(owner.accessToken);
    const org = await created(
      getJson<{ id: string }>(`${platform.url}/v1/orgs`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Credentialed' }),
      }).then(({ response, body }) => ({ status: response.status, body })),
      'organisation',
    );
    const project = await created(
      getJson<{ id: string }>(`${platform.url}/v1/orgs/${org.id}/projects`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'App', kind: 'hybrid' }),
      }).then(({ response, body }) => ({ status: response.status, body })),
      'project',
    );
    const key = await created(
      getJson<{ key: string; id: string }>(`${platform.url}/v1/projects/${project.id}/keys`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'sdk', scopes: ['events:write', 'analytics:read', 'rpc'] }),
      }).then(({ response, body }) => ({ status: response.status, body })),
      'key',
    );
    const other = await created(
      getJson<{ key: string; id: string }>(`${platform.url}/v1/projects/${project.id}/keys`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'server', scopes: ['events:write'] }),
      }).then(({ response, body }) => ({ status: response.status, body })),
      'second key',
    );
    // keys → chains (the key's RPC endpoints) and keys → tenancy (the access check).
    const endpoints = await getJson<{ items: unknown[] }>(`${platform.url}/v1/keys/${key.id}/endpoints`, {
      headers: auth,
    });
    expect(endpoints.response.status).toBe(200);

    // gateway → EVENTS → ingestion → ClickHouse; analytics → tenancy.
    const track = await postJson(
      `${platform.url}/v1/track`,
      { event: 'Credentialed', userId: 'u1' },
      { 'x-api-key': key.key },
    );
    expect(track.status).toBe(202);
    await eventually(
      async () => {
        const { response, body } = await getJson<{ events: number }>(
          `${platform.url}/v1/projects/${project.id}/analytics/summary?from=${new Date(Date.now() - 3600_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`,
          { headers: auth },
        );
        expect(response.status).toBe(200);
        expect(body.events).toBe(1);
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );

    // keys → every gateway (a revocation broadcast).
    const revoked = await fetch(`${platform.url}/v1/keys/${key.id}`, { method: 'DELETE', headers: auth });
    expect(revoked.status).toBe(204);
    await eventually(async () =>
      expectProblem(
        await postJson(`${platform.url}/v1/track`, { event: 'Late', userId: 'u1' }, { 'x-api-key': key.key }),
        401,
      ),
    );

    // tenancy → keys, ingestion, notifications (a durable event): the project's other key stops.
    const deleted = await fetch(`${platform.url}/v1/projects/${project.id}`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(deleted.status).toBe(204);
    await eventually(async () =>
      expectProblem(
        await postJson(
          `${platform.url}/v1/track`,
          { event: 'Gone', userId: 'u1' },
          { 'x-api-key': other.key },
        ),
        401,
      ),
    );

    // identity → every gateway (a session revocation).
    const logout = await postJson(
      `${platform.url}/v1/auth/logout`,
      { refreshToken: owner.refreshToken },
      auth,
    );
    expect(logout.status).toBe(204);
    await eventually(async () =>
      expect((await fetch(`${platform.url}/v1/me`, { headers: auth })).status).toBe(401),
    );
    // Nothing any process needed was refused on the way.
    expect(natsLog.split('\n').filter((line) => /violation/i.test(line))).toEqual([]);
  });

  it("keeps a process to its own subjects: no requests to another's, no reading another's traffic", async () => {
    const ingestion = await connectAs('ingestion');
    const violations: string[] = [];
    void (async () => {
      for await (const status of ingestion.status()) {
        if (status.type === Events.Error) violations.push(String(status.data));
      }
    })();
    const email = uniqueEmail('not-registered');
    // Ingestion never calls identity: its request is refused by the server and registers nobody.
    await expect(
      ingestion.request(IdentitySubjects.register, new TextEncoder().encode('{}'), { timeout: 1000 }),
    ).rejects.toThrow();
    await ingestion.close();

    const gateway = await connectAs('gateway');
    const spy = gateway.subscribe(IdentitySubjects.login);
    const refused = await (async () => {
      try {
        for await (const message of spy) void message;
        return 'closed without error';
      } catch (error) {
        return String(error);
      }
    })();
    expect(refused).toMatch(/permissions violation/i);
    await gateway.close();

    // The address is still free: the refused request did not reach identity.
    const answer = await postJson(
      `${platform.url}/v1/auth/register`,
      { email, password: 'correct horse battery staple', name: 'N' },
      clientAddress(),
    );
    expect(answer.status).toBe(201);
  });
});
