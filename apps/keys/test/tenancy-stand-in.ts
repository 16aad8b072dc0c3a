import {
  BusErrorCode,
  TenancySubjects,
  type AccessGrant,
  type CheckAccessRequest,
  type OrgRole,
  type Permission,
} from '@northstar/contracts';
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { respondOnBus, type StandInAnswer, type StandInResponder } from './stand-in';

// Stands in for the tenancy service in the keys service's integration tests: it answers
// tenancy.access.check on the real bus, in the real wire format, from memberships the test declares.
// Tenancy's own tests cover its policy; this only needs keys' two permissions.
const MANAGERS: OrgRole[] = ['owner', 'admin'];

interface StandInProject {
  orgId: string;
  members: Map<string, OrgRole>;
}

export interface TestTenant {
  orgId: string;
  projectId: string;
}

export class TenancyStandIn {
  private readonly projects = new Map<string, StandInProject>();
  private responder?: StandInResponder;
  /** Every access check answered, for tests that assert keys asked with the right permission. */
  readonly checks: CheckAccessRequest[] = [];

  constructor(private readonly connection: NatsConnection) {}

  async start(): Promise<void> {
    this.responder = await respondOnBus<CheckAccessRequest, AccessGrant>(
      this.connection,
      TenancySubjects.checkAccess,
      'tenancy',
      (request) => {
        this.checks.push(request);
        return this.answer(request);
      },
    );
  }

  stop(): void {
    this.responder?.stop();
  }

  /** A new organisation with one project, whose owner is `ownerId`. */
  organisation(ownerId: string): TestTenant {
    const tenant = { orgId: randomUUID(), projectId: randomUUID() };
    this.projects.set(tenant.projectId, { orgId: tenant.orgId, members: new Map([[ownerId, 'owner']]) });
    return tenant;
  }

  /** Another project in the same organisation, with the same members. */
  project(of: TestTenant): TestTenant {
    const existing = this.projects.get(of.projectId);
    if (!existing) throw new Error('unknown project');
    const tenant = { orgId: of.orgId, projectId: randomUUID() };
    this.projects.set(tenant.projectId, { orgId: of.orgId, members: existing.members });
    return tenant;
  }

  addMember(tenant: TestTenant, userId: string, role: OrgRole): void {
    this.projects.get(tenant.projectId)?.members.set(userId, role);
  }

  private answer(request: CheckAccessRequest): StandInAnswer<AccessGrant> {
    const project = request.projectId ? this.projects.get(request.projectId) : undefined;
    const role = project?.members.get(request.actor.userId);
    if (!project || !role) return { err: { code: BusErrorCode.NotFound, message: 'Project not found' } };
    if (!allows(role, request.permission)) {
      return { err: { code: BusErrorCode.Forbidden, message: 'You are not allowed to do this' } };
    }
    return { response: { orgId: project.orgId, projectId: request.projectId, role } };
  }
}

function allows(role: OrgRole, permission: Permission): boolean {
  if (permission === 'keys:read') return true;
  if (permission === 'keys:manage') return MANAGERS.includes(role);
  return false;
}
