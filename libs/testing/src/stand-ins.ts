import {
  BusErrorCode,
  cursorCodec,
  cursorFields,
  DomainException,
  TenancySubjects,
  type AccessGrant,
  type BusErrorPayload,
  type CheckAccessRequest,
  type ListOrgsRequest,
  type ListProjectsRequest,
  type OrgListResponse,
  type OrgPlanLimitsDto,
  type ListPlansRequest,
  type OrgPlanLimitsRequest,
  type PlanDto,
  type ProjectRetentionRequest,
  type ProjectRetentionResponse,
  type OrgRole,
  type PlanLimitsDto,
  type Permission,
  type ProjectListResponse,
} from '@northstar/contracts';
import { JSONCodec, type NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';

// Another service, stood in for on the real bus: requests and answers in the exact wire format of
// the platform's NATS transport (`{ pattern, data, id }` in, `{ id, response | err }` out).

export type StandInAnswer<Res> = { response: Res } | { err: BusErrorPayload };

export interface StandInResponder {
  stop(): void;
}

export async function respondOnBus<Req, Res>(
  connection: NatsConnection,
  subject: string,
  queue: string,
  answer: (request: Req) => StandInAnswer<Res>,
): Promise<StandInResponder> {
  const codec = JSONCodec<{ id?: string; data: Req }>();
  const replies = JSONCodec();
  const subscription = connection.subscribe(subject, {
    queue,
    callback: (error, message) => {
      if (error) return;
      const packet = codec.decode(message.data);
      message.respond(replies.encode({ id: packet.id, ...answer(packet.data), isDisposed: true }));
    },
  });
  // The subscription has reached the server once flush resolves: no "no responders" after this.
  await connection.flush();
  return { stop: () => subscription.unsubscribe() };
}

export interface TestProject {
  orgId: string;
  projectId: string;
}

/** Small pages, so that callers following `nextCursor` through the organisations are exercised. */
const ORG_PAGE_SIZE = 2;
const MANAGERS: readonly OrgRole[] = ['owner', 'admin'];
// The stand-in pages its organisations by offset.
const orgsCursor = cursorCodec<{ offset: number }>(TenancySubjects.listOrgs, {
  offset: cursorFields.integer(0, Number.MAX_SAFE_INTEGER),
});

/**
 * The plan of the stand-in's organisations unless a test sets another: limits no test reaches by
 * accident, so that only the tests about plan limits meet them.
 */
export const STAND_IN_PLAN: PlanLimitsDto = {
  id: 'stand-in',
  name: 'Stand-in',
  monthlyEvents: 1_000_000_000,
  retentionDays: 1825,
  maxProjects: 1000,
  maxMembers: 1000,
  maxKeys: 10_000,
  defaultKeyRateLimit: null,
};

/**
 * Stands in for tenancy in other services' integration tests: answers the access check and the
 * organisation and project lists on the real bus, from memberships the test declares. Tenancy's own
 * tests cover its policy table; here every role may read and owners and admins may manage, which is
 * what the other services' permissions come down to.
 */
export class TenancyStandIn {
  /** Members of each organisation. */
  private readonly orgs = new Map<string, Map<string, OrgRole>>();
  private readonly projects = new Map<string, { orgId: string; timezone: string }>();
  private readonly plans = new Map<string, PlanLimitsDto>();
  private readonly responders: StandInResponder[] = [];
  /** Every access check answered, for tests that assert which permission a command asked for. */
  readonly checks: CheckAccessRequest[] = [];

  constructor(private readonly connection: NatsConnection) {}

  async start(): Promise<void> {
    this.responders.push(
      await respondOnBus<CheckAccessRequest, AccessGrant>(
        this.connection,
        TenancySubjects.checkAccess,
        'tenancy',
        (request) => {
          this.checks.push(request);
          return this.access(request);
        },
      ),
      await respondOnBus<ListOrgsRequest, OrgListResponse>(
        this.connection,
        TenancySubjects.listOrgs,
        'tenancy',
        (request) => this.orgsOf(request),
      ),
      await respondOnBus<ListProjectsRequest, ProjectListResponse>(
        this.connection,
        TenancySubjects.listProjects,
        'tenancy',
        (request) => this.projectsOf(request),
      ),
      await respondOnBus<OrgPlanLimitsRequest, OrgPlanLimitsDto>(
        this.connection,
        TenancySubjects.orgPlanLimits,
        'tenancy',
        (request) => this.planOf(request.orgId),
      ),
      await respondOnBus<ListPlansRequest, PlanDto[]>(
        this.connection,
        TenancySubjects.listPlans,
        'tenancy',
        () => ({ response: this.planList() }),
      ),
      await respondOnBus<ProjectRetentionRequest, ProjectRetentionResponse>(
        this.connection,
        TenancySubjects.projectRetention,
        'tenancy',
        (request) => ({ response: { items: this.retentionOf(request.projectIds) } }),
      ),
    );
  }

  stop(): void {
    for (const responder of this.responders.splice(0)) responder.stop();
  }

  /** A new organisation with one project: `ownerId` its owner, `memberIds` plain members. */
  organisation(ownerId: string, ...memberIds: string[]): TestProject {
    const project = this.project(ownerId, 'owner');
    for (const memberId of memberIds) this.addMember(project, memberId, 'member');
    return project;
  }

  /**
   * A new project of a new organisation, with `userId` as a member in `role`; `ids` when the same
   * project must exist for another stand-in too (two platforms side by side).
   */
  project(
    userId: string,
    role: OrgRole = 'viewer',
    ids: TestProject = { orgId: randomUUID(), projectId: randomUUID() },
  ): TestProject {
    const project = { ...ids };
    this.orgs.set(project.orgId, new Map([[userId, role]]));
    this.projects.set(project.projectId, { orgId: project.orgId, timezone: 'UTC' });
    return project;
  }

  /** Another project in the organisation of `of`. */
  sibling(of: TestProject): TestProject {
    const sibling = { orgId: of.orgId, projectId: randomUUID() };
    this.projects.set(sibling.projectId, { orgId: of.orgId, timezone: 'UTC' });
    return sibling;
  }

  addMember(of: { orgId: string }, userId: string, role: OrgRole): void {
    this.orgs.get(of.orgId)?.set(userId, role);
  }

  /** Puts the organisation on `plan`, as a platform admin would. */
  setPlan(of: { orgId: string }, plan: PlanLimitsDto): void {
    this.plans.set(of.orgId, plan);
  }

  /** Sets the project's time zone, as a PATCH of the project would. */
  setTimezone(of: TestProject, timezone: string): void {
    const project = this.projects.get(of.projectId);
    if (project) project.timezone = timezone;
  }

  private access(request: CheckAccessRequest): StandInAnswer<AccessGrant> {
    const project = request.projectId !== undefined ? this.projects.get(request.projectId) : undefined;
    const orgId = request.projectId !== undefined ? project?.orgId : request.orgId;
    const role = orgId ? this.orgs.get(orgId)?.get(request.actor.userId) : undefined;
    if (!orgId || !role) {
      const what = request.projectId !== undefined ? 'Project' : 'Organisation';
      return { err: { code: BusErrorCode.NotFound, message: `${what} not found` } };
    }
    if (!allows(role, request.permission))
      return { err: { code: BusErrorCode.Forbidden, message: 'You are not allowed to do this' } };
    if (!project || request.projectId === undefined) return { response: { orgId, role } };
    return { response: { orgId, projectId: request.projectId, role, timezone: project.timezone } };
  }

  /** The stand-in plan and every plan a test set, as tenancy lists its plans. */
  private planList(): PlanDto[] {
    const plans = new Map([
      [STAND_IN_PLAN.id, STAND_IN_PLAN],
      ...[...this.plans.values()].map((plan) => [plan.id, plan] as const),
    ]);
    return [...plans.values()].map(({ defaultKeyRateLimit: _, ...plan }) => plan);
  }

  private retentionOf(projectIds: string[]): { projectId: string; retentionDays: number }[] {
    return projectIds.flatMap((projectId) => {
      const project = this.projects.get(projectId);
      if (!project) return [];
      return [{ projectId, retentionDays: (this.plans.get(project.orgId) ?? STAND_IN_PLAN).retentionDays }];
    });
  }

  private planOf(orgId: string): StandInAnswer<OrgPlanLimitsDto> {
    if (!this.orgs.has(orgId))
      return { err: { code: BusErrorCode.NotFound, message: 'Organisation not found' } };
    return { response: { orgId, plan: this.plans.get(orgId) ?? STAND_IN_PLAN } };
  }

  private orgsOf(request: ListOrgsRequest): StandInAnswer<OrgListResponse> {
    const mine = [...this.orgs].filter(([, members]) => members.has(request.actor.userId));
    let start: number;
    try {
      start = orgsCursor.decodeOptional(request.cursor)?.offset ?? 0;
    } catch (error) {
      // A cursor it did not issue is refused as tenancy refuses it.
      if (error instanceof DomainException) return { err: error.toPayload() };
      throw error;
    }
    const next = start + ORG_PAGE_SIZE;
    return {
      response: {
        items: mine.slice(start, next).map(([id, members], index) => ({
          id,
          name: `Org ${start + index + 1}`,
          slug: `org-${start + index + 1}`,
          requireMfa: false,
          trustedMfaProviders: [],
          createdAt: new Date(0).toISOString(),
          role: members.get(request.actor.userId) ?? 'viewer',
        })),
        nextCursor: next < mine.length ? orgsCursor.encode({ offset: next }) : null,
      },
    };
  }

  private projectsOf(request: ListProjectsRequest): StandInAnswer<ProjectListResponse> {
    if (!this.orgs.get(request.orgId)?.has(request.actor.userId))
      return { err: { code: BusErrorCode.NotFound, message: 'Organisation not found' } };
    const items = [...this.projects]
      .filter(([, project]) => project.orgId === request.orgId)
      .map(([id, project], index) => ({
        id,
        orgId: request.orgId,
        name: `Project ${index + 1}`,
        slug: `project-${index + 1}`,
        kind: 'hybrid' as const,
        timezone: project.timezone,
        createdAt: new Date(0).toISOString(),
      }));
    return { response: { items, nextCursor: null } };
  }
}

function allows(role: OrgRole, permission: Permission): boolean {
  if (permission === 'dashboards:manage') return role !== 'viewer';
  return permission.endsWith(':read') || MANAGERS.includes(role);
}
