import { identityService, tenancyService } from './platform-services';
import { openEventToken } from '@northstar/testing';
import { DEVELOPMENT_BUS_SIGNING_KEY } from '@northstar/config';
import {
  DEFAULT_PLAN_ID,
  TenancySubjects,
  type InvitationCreatedEvent,
  type OrgRole,
} from '@northstar/contracts';
import { BusClient, BusSigner } from '@northstar/messaging';
import type { RunningService } from '@northstar/service-runtime';
import { connect, DeliverPolicy, JSONCodec } from 'nats';
import { randomUUID } from 'node:crypto';
import type { RunningGateway } from '../src/gateway.bootstrap';
import {
  BUS_TIMEOUT_MS,
  e2eEnv,
  eventually,
  migrateService,
  startTestGateway,
  startTestService,
} from './support';
import { authHeader, jsonHeaders, signUpVerified, uniqueEmail, type SignedUpUser } from './users';

// What the tenancy end-to-end suites share: identity and tenancy behind a gateway, callers signed up
// through identity's own routes, and the invitation emails read from JetStream as notifications would.

export interface TenancyStack {
  gateway: RunningGateway;
  url: string;
  close(): Promise<void>;
}

/** `tenancyEnv` overrides tenancy's settings (its hourly invitation limits, say). */
export async function startTenancyStack(tenancyEnv: Record<string, string> = {}): Promise<TenancyStack> {
  await migrateService(identityService);
  await migrateService(tenancyService);
  const started: RunningService[] = [];
  try {
    started.push(await startTestService(identityService));
    started.push(await startTestService(tenancyService, tenancyEnv));
    // Trusts X-Forwarded-For: each signed-up user is its own client for identity's per-IP limit.
    const gateway = await startTestGateway({ TRUST_PROXY: 'true' });
    return {
      gateway,
      url: gateway.url,
      close: async () => {
        await gateway.close();
        for (const service of started.reverse()) await service.close();
      },
    };
  } catch (error) {
    for (const service of started.reverse()) await service.close();
    throw error;
  }
}

export interface ApiAnswer<T> {
  status: number;
  body: T;
  response: Response;
}

/** Calls the API as `user` (or anonymously); the body is parsed when there is one. */
export async function call<T = unknown>(
  url: string,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  user: SignedUpUser | null,
  body?: unknown,
): Promise<ApiAnswer<T>> {
  const response = await fetch(`${url}/v1${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : jsonHeaders),
      ...(user ? authHeader(user.accessToken) : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.clone().text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, response };
}

/**
 * The invitation email's token for `email` in the organisation, read from the durable event tenancy
 * published (stream DOMAIN_EVENTS) as the notifications service receives it. The newest one wins.
 */
export async function invitationTokenFor(
  orgId: string,
  email: string,
  since = new Date(Date.now() - 60_000),
): Promise<string> {
  const connection = await connect({
    servers: (e2eEnv()['NATS_URL'] ?? '').split(','),
    name: 'gateway-e2e-tenancy-events',
    maxReconnectAttempts: 0,
  });
  const codec = JSONCodec<InvitationCreatedEvent>();
  try {
    const js = connection.jetstream();
    return await eventually(
      async () => {
        const consumer = await js.consumers.get('DOMAIN_EVENTS', {
          // A single subject as a string: nats-server 2.9 knows no filter_subjects list.
          filterSubjects: 'domain.tenancy.invitation.created',
          deliver_policy: DeliverPolicy.StartTime,
          opt_start_time: since.toISOString(),
        });
        let token: string | undefined;
        for (;;) {
          const message = await consumer.next({ expires: 1000 });
          if (!message) break;
          const event = codec.decode(message.data);
          if (event.orgId === orgId && event.email === email.toLowerCase())
            token = openEventToken(event.token);
          if (message.info.pending === 0) break;
        }
        if (!token) throw new Error(`No invitation event for ${email} in ${orgId}`);
        return token;
      },
      { timeoutMs: 5000, intervalMs: 100 },
    );
  } finally {
    await connection.close();
  }
}

export interface TestOrg {
  id: string;
  name: string;
  slug: string;
  requireMfa: boolean;
  trustedMfaProviders: string[];
  createdAt: string;
}

/** Signs up and verifies a user with a recognisable name. */
export function newUser(url: string, name = 'Test User'): Promise<SignedUpUser> {
  return signUpVerified(url, { email: uniqueEmail('tenancy'), name });
}

/**
 * The plan test organisations are put on: suites about other rules make more projects, members and
 * keys in one organisation than the free plan allows. Suites about plans ask for `free`.
 */
export const E2E_PLAN = 'enterprise';

/** A new organisation of `owner`, on `plan` (E2E_PLAN unless said otherwise). */
export async function createOrg(
  url: string,
  owner: SignedUpUser,
  name = 'E2E Org',
  { plan = E2E_PLAN, natsUrl }: { plan?: string; natsUrl?: string } = {},
): Promise<TestOrg> {
  const answer = await call<TestOrg>(url, 'POST', '/orgs', owner, { name });
  if (answer.status !== 201)
    throw new Error(`POST /v1/orgs answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  if (plan !== DEFAULT_PLAN_ID) await putOnPlan(answer.body.id, plan, natsUrl);
  return answer.body;
}

/**
 * A new owner, organisation and Web3 project, and a key of the project with `events:write`: what an
 * SDK test needs to send events. `label` names them after the test.
 */
export async function newProjectKey(url: string, label: string): Promise<{ projectId: string; key: string }> {
  const owner = await newUser(url, `${label} User`);
  const org = await createOrg(url, owner, `${label} E2E`);
  const project = await call<{ id: string }>(url, 'POST', `/orgs/${org.id}/projects`, owner, {
    name: `${label} App`,
    kind: 'web3',
  });
  if (project.status !== 201) throw new Error(`project: ${project.status} ${JSON.stringify(project.body)}`);
  const created = await call<{ key: string }>(url, 'POST', `/projects/${project.body.id}/keys`, owner, {
    name: `${label} SDK`,
    scopes: ['events:write'],
  });
  if (created.status !== 201) throw new Error(`key: ${created.status} ${JSON.stringify(created.body)}`);
  return { projectId: project.body.id, key: created.body.key };
}

/**
 * Moves the organisation to `planId` as a platform admin would (PUT /v1/orgs/:orgId/plan), but on the
 * bus: most suites' identity names no platform admin. On the runner's NATS unless the suite runs its own.
 */
export async function putOnPlan(orgId: string, planId: string, natsUrl?: string): Promise<void> {
  const connection = await connect({
    servers: (natsUrl ?? e2eEnv()['NATS_URL'] ?? '').split(','),
    name: 'gateway-e2e-plans',
    maxReconnectAttempts: 0,
  });
  try {
    const bus = new BusClient(
      connection,
      BUS_TIMEOUT_MS,
      new BusSigner(DEVELOPMENT_BUS_SIGNING_KEY, 'gateway'),
    );
    await bus.send(TenancySubjects.setOrgPlan, {
      actor: { userId: randomUUID(), role: 'admin' },
      orgId,
      planId,
    });
  } finally {
    await connection.close();
  }
}

/** A new verified user who joined the organisation with `role` through an invitation. */
export async function joinAs(
  url: string,
  orgId: string,
  inviter: SignedUpUser,
  role: OrgRole,
): Promise<SignedUpUser> {
  const user = await newUser(url, `A ${role}`);
  const since = new Date(Date.now() - 1000);
  const invited = await call(url, 'POST', `/orgs/${orgId}/invitations`, inviter, { email: user.email, role });
  if (invited.status !== 201)
    throw new Error(`invitation answered ${invited.status}: ${JSON.stringify(invited.body)}`);
  const token = await invitationTokenFor(orgId, user.email, since);
  const accepted = await call(url, 'POST', '/invitations/accept', user, { token });
  if (accepted.status !== 200)
    throw new Error(`accept answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
  return user;
}

export interface E2eTeam {
  org: TestOrg;
  owner: SignedUpUser;
  admin: SignedUpUser;
  member: SignedUpUser;
  viewer: SignedUpUser;
  /** Owner of another organisation. */
  outsider: SignedUpUser;
}

export async function team(url: string): Promise<E2eTeam> {
  const owner = await newUser(url, 'The Owner');
  const org = await createOrg(url, owner);
  const admin = await joinAs(url, org.id, owner, 'admin');
  const member = await joinAs(url, org.id, owner, 'member');
  const viewer = await joinAs(url, org.id, owner, 'viewer');
  const outsider = await newUser(url, 'An Outsider');
  await createOrg(url, outsider, 'Elsewhere');
  return { org, owner, admin, member, viewer, outsider };
}
