import {
  BusErrorCode,
  TenancySubjects,
  type AccessGrant,
  type BusErrorPayload,
  type CheckAccessRequest,
  type ListProjectsRequest,
  type OrgRole,
  type ProjectListResponse,
} from '@northstar/contracts';
import { JSONCodec, type NatsConnection, type Subscription } from 'nats';
import { randomUUID } from 'node:crypto';

// Stands in for tenancy in analytics' integration tests: answers tenancy.access.check on the real bus,
// in the platform's wire format, from the memberships a test declares. Tenancy's tests cover its policy;
// here only the outcome matters: a member reads, a stranger gets not_found.
export interface TestProject {
  orgId: string;
  projectId: string;
}

export class TenancyStandIn {
  private readonly members = new Map<string, Map<string, OrgRole>>();
  private readonly orgs = new Map<string, string>();
  private readonly zones = new Map<string, string>();
  private subscription?: Subscription;
  private listing?: Subscription;
  readonly checks: CheckAccessRequest[] = [];

  constructor(private readonly connection: NatsConnection) {}

  async start(): Promise<void> {
    const codec = JSONCodec<{ id?: string; data: CheckAccessRequest }>();
    const replies = JSONCodec();
    this.subscription = this.connection.subscribe(TenancySubjects.checkAccess, {
      queue: 'tenancy',
      callback: (error, message) => {
        if (error) return;
        const packet = codec.decode(message.data);
        this.checks.push(packet.data);
        message.respond(replies.encode({ id: packet.id, ...this.answer(packet.data), isDisposed: true }));
      },
    });
    const listCodec = JSONCodec<{ id?: string; data: ListProjectsRequest }>();
    this.listing = this.connection.subscribe(TenancySubjects.listProjects, {
      queue: 'tenancy',
      callback: (error, message) => {
        if (error) return;
        const packet = listCodec.decode(message.data);
        message.respond(replies.encode({ id: packet.id, ...this.projectsOf(packet.data), isDisposed: true }));
      },
    });
    await this.connection.flush();
  }

  stop(): void {
    this.subscription?.unsubscribe();
    this.listing?.unsubscribe();
  }

  /** Another project in the organisation of `project`, with the same members. */
  sibling(project: TestProject): TestProject {
    const sibling = { orgId: project.orgId, projectId: randomUUID() };
    this.orgs.set(sibling.projectId, sibling.orgId);
    this.members.set(sibling.projectId, new Map(this.members.get(project.projectId)));
    return sibling;
  }

  /** Sets the project's time zone, as a PATCH of the project would. */
  setTimezone(project: TestProject, timezone: string): void {
    this.zones.set(project.projectId, timezone);
  }

  /** A new project of a new organisation, with `userId` as a member in `role`. */
  project(userId: string, role: OrgRole = 'viewer'): TestProject {
    const project = { orgId: randomUUID(), projectId: randomUUID() };
    this.orgs.set(project.projectId, project.orgId);
    this.members.set(project.projectId, new Map([[userId, role]]));
    return project;
  }

  private answer(request: CheckAccessRequest): { response: AccessGrant } | { err: BusErrorPayload } {
    if (request.orgId !== undefined) {
      const projectId = [...this.orgs].find(([, orgId]) => orgId === request.orgId)?.[0] ?? '';
      const role = this.members.get(projectId)?.get(request.actor.userId);
      if (!role) return { err: { code: BusErrorCode.NotFound, message: 'Organisation not found' } };
      return { response: { orgId: request.orgId, role } };
    }
    const projectId = request.projectId ?? '';
    const role = this.members.get(projectId)?.get(request.actor.userId);
    const orgId = this.orgs.get(projectId);
    if (!role || !orgId) return { err: { code: BusErrorCode.NotFound, message: 'Project not found' } };
    return { response: { orgId, projectId, role, timezone: this.zones.get(projectId) ?? 'UTC' } };
  }

  private projectsOf(
    request: ListProjectsRequest,
  ): { response: ProjectListResponse } | { err: BusErrorPayload } {
    const ids = [...this.orgs]
      .filter(
        ([projectId, orgId]) =>
          orgId === request.orgId && this.members.get(projectId)?.has(request.actor.userId),
      )
      .map(([projectId]) => projectId);
    if (ids.length === 0) return { err: { code: BusErrorCode.NotFound, message: 'Organisation not found' } };
    const items = ids.map((id, index) => ({
      id,
      orgId: request.orgId,
      name: `Project ${index + 1}`,
      slug: `project-${index + 1}`,
      kind: 'hybrid' as const,
      timezone: this.zones.get(id) ?? 'UTC',
      createdAt: new Date(0).toISOString(),
    }));
    return { response: { items, nextCursor: null } };
  }
}
