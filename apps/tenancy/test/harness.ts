import {
  DEFAULT_PLAN_ID,
  IdentitySubjects,
  TenancyBroadcasts,
  TenancyEvents,
  TenancySubjects,
  type AccessChangedEvent,
  type Actor,
  type InvitationCreatedEvent,
  type OrgDto,
  type OrgPlanStateDto,
  type OrgRole,
  type ProjectDeletedEvent,
  type ProjectDto,
  type ProjectKind,
  type UserSummary,
  type UsersByIdsRequest,
} from '@northstar/contracts';
import type { RunningService } from '@northstar/service-runtime';
import {
  adminActor,
  connectTestBus,
  eventually,
  startTestService,
  uniqueSlug,
  type TestBus,
  type TestEnv,
  openEventToken,
} from '@northstar/testing';
import { randomUUID } from 'node:crypto';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { tenancyService } from '../src/tenancy.service-definition';

// Everything the tenancy integration tests share: the real tenancy service on the real bus and
// stores, a stand-in for the identity service (tenancy's tests may not start another app), and
// recorders of what tenancy publishes.

export interface TestUser {
  actor: Actor;
  email: string;
  name: string;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Answers `identity.user.by-ids` on the real bus, in identity's queue group and with Nest's reply
 * packet, from the users a test registered. It stands in for another service, as a test double of a
 * collaborator: the bus, the stores and tenancy itself are real.
 */
export class IdentityStandIn {
  readonly users = new Map<string, UserSummary>();
  /** Every request it answered, to assert on how tenancy asks (one call per page, say). */
  readonly requests: UsersByIdsRequest[] = [];
  private subscription?: Subscription;

  start(connection: NatsConnection): void {
    this.subscription = connection.subscribe(IdentitySubjects.usersByIds, {
      queue: 'identity',
      callback: (_error, message) => this.answer(message),
    });
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }

  add(overrides: Partial<Omit<UserSummary, 'id'>> = {}): TestUser {
    const id = randomUUID();
    const email = overrides.email ?? `${uniqueSlug('user')}@int.northstar.test`;
    const name = overrides.name ?? `User ${id.slice(0, 8)}`;
    this.users.set(id, { id, email, name, emailVerified: overrides.emailVerified ?? true });
    return { actor: { userId: id, role: 'user' }, email, name };
  }

  private answer(message: Msg): void {
    const packet = JSON.parse(decoder.decode(message.data)) as { id: string; data: UsersByIdsRequest };
    this.requests.push(packet.data);
    const users = packet.data.userIds.flatMap((id) => {
      const user = this.users.get(id);
      return user ? [user] : [];
    });
    message.respond(encoder.encode(JSON.stringify({ id: packet.id, response: { users }, isDisposed: true })));
  }
}

/** Records the messages of a subject as they pass on the bus (Nest packets or plain JSON). */
export class Recorder<T> {
  readonly messages: T[] = [];
  private subscription?: Subscription;

  constructor(
    private readonly subject: string,
    private readonly nestPacket: boolean,
  ) {}

  start(connection: NatsConnection): void {
    this.subscription = connection.subscribe(this.subject, {
      callback: (_error, message) => {
        const body = JSON.parse(decoder.decode(message.data)) as { data: T } | T;
        this.messages.push(this.nestPacket ? (body as { data: T }).data : (body as T));
      },
    });
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }

  /** Waits for a message matching `predicate` and returns it. */
  find(predicate: (message: T) => boolean, timeoutMs = 5000): Promise<T> {
    return eventually(
      () => {
        const found = this.messages.find(predicate);
        if (!found) throw new Error(`no matching message on ${this.subject}`);
        return found;
      },
      { timeoutMs },
    );
  }
}

export interface Tenancy {
  service: RunningService;
  client: TestBus;
  identity: IdentityStandIn;
  /** Durable events, as they are published to JetStream's `domain.` subjects. */
  invitationsCreated: Recorder<InvitationCreatedEvent>;
  projectsDeleted: Recorder<ProjectDeletedEvent>;
  /** The core-NATS broadcast other services' caches listen to. */
  accessChanged: Recorder<AccessChangedEvent>;
  close(): Promise<void>;
}

export async function startTenancy(overrides: TestEnv = {}): Promise<Tenancy> {
  const client = await connectTestBus(overrides);
  const identity = new IdentityStandIn();
  const invitationsCreated = new Recorder<InvitationCreatedEvent>(
    `domain.${TenancyEvents.invitationCreated}`,
    false,
  );
  const projectsDeleted = new Recorder<ProjectDeletedEvent>(`domain.${TenancyEvents.projectDeleted}`, false);
  const accessChanged = new Recorder<AccessChangedEvent>(TenancyBroadcasts.accessChanged, true);
  for (const listener of [identity, invitationsCreated, projectsDeleted, accessChanged])
    listener.start(client.connection);
  await client.connection.flush();
  let service: RunningService;
  try {
    service = await startTestService(tenancyService, overrides);
  } catch (error) {
    await client.close();
    throw error;
  }
  return {
    service,
    client,
    identity,
    invitationsCreated,
    projectsDeleted,
    accessChanged,
    close: async () => {
      await service.close();
      await client.close();
    },
  };
}

/** Test data made through tenancy's own subjects, as a user would make it. */
export class Fixtures {
  constructor(private readonly tenancy: Tenancy) {}

  private get bus() {
    return this.tenancy.client.bus;
  }

  user(overrides: Partial<Omit<UserSummary, 'id'>> = {}): TestUser {
    return this.tenancy.identity.add(overrides);
  }

  org(owner: TestUser, name = 'Test Org'): Promise<OrgDto> {
    return this.bus.send(TenancySubjects.createOrg, { actor: owner.actor, name, slug: uniqueSlug('org') });
  }

  project(actor: TestUser, orgId: string, kind: ProjectKind = 'web2'): Promise<ProjectDto> {
    return this.bus.send(TenancySubjects.createProject, {
      actor: actor.actor,
      orgId,
      name: 'Test Project',
      slug: uniqueSlug('project'),
      kind,
    });
  }

  /** Moves the organisation to `planId`, as a platform admin would. */
  onPlan(orgId: string, planId: string): Promise<OrgPlanStateDto> {
    return this.bus.send(TenancySubjects.setOrgPlan, { actor: adminActor(), orgId, planId });
  }

  /** The plaintext token of the invitation tenancy published for this address and organisation. */
  async tokenFor(orgId: string, email: string, invitationId?: string): Promise<string> {
    const event = await this.tenancy.invitationsCreated.find(
      (candidate) =>
        candidate.orgId === orgId &&
        candidate.email === email.toLowerCase() &&
        (invitationId === undefined || candidate.invitationId === invitationId),
    );
    return openEventToken(event.token);
  }

  /** A new user who joined the organisation with `role`, invited by `inviter` (an owner for owners). */
  async member(orgId: string, inviter: TestUser, role: OrgRole): Promise<TestUser> {
    const user = this.user();
    const invitation = await this.bus.send(TenancySubjects.createInvitation, {
      actor: inviter.actor,
      orgId,
      email: user.email,
      role,
    });
    const token = await this.tokenFor(orgId, user.email, invitation.id);
    await this.bus.send(TenancySubjects.acceptInvitation, { actor: user.actor, token });
    return user;
  }

  /**
   * An organisation with one user of each role, and a user of another organisation. On the pro plan
   * unless `plan` says otherwise: suites about other rules add members and projects past free's limits.
   */
  async team({ plan = 'pro' }: { plan?: string } = {}): Promise<Team> {
    const owner = this.user();
    const org = await this.org(owner);
    if (plan !== DEFAULT_PLAN_ID) await this.onPlan(org.id, plan);
    const [admin, member, viewer] = [
      await this.member(org.id, owner, 'admin'),
      await this.member(org.id, owner, 'member'),
      await this.member(org.id, owner, 'viewer'),
    ];
    const outsider = this.user();
    await this.org(outsider, 'Another Org');
    return { org, owner, admin, member, viewer, outsider };
  }
}

export interface Team {
  org: OrgDto;
  owner: TestUser;
  admin: TestUser;
  member: TestUser;
  viewer: TestUser;
  /** Owner of another organisation: a stranger to this one. */
  outsider: TestUser;
}
