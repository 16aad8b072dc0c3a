import {
  BusErrorCode,
  TenancySubjects,
  type AccessGrant,
  type BusErrorPayload,
  type CheckAccessRequest,
  type OrgRole,
  type Permission,
} from '@northstar/contracts';
import { JSONCodec, type NatsConnection, type Subscription } from 'nats';
import { randomUUID } from 'node:crypto';

// Stands in for tenancy's access check in the alerts tests: answers tenancy.access.check on the real
// bus, in the platform's wire format, from memberships the test declares. Tenancy's own tests cover
// its policy table; only the alerts permissions are needed here.
const MANAGERS: OrgRole[] = ['owner', 'admin'];

export interface TestProject {
  orgId: string;
  projectId: string;
}

export class AccessStandIn {
  private readonly projects = new Map<string, { orgId: string; members: Map<string, OrgRole> }>();
  private subscription?: Subscription;
  /** Every check answered, to show which permission each command asked for. */
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
    await this.connection.flush();
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }

  /** A new organisation with one project, whose owner is `ownerId`. */
  organisation(ownerId: string): TestProject {
    const project = { orgId: randomUUID(), projectId: randomUUID() };
    this.projects.set(project.projectId, { orgId: project.orgId, members: new Map([[ownerId, 'owner']]) });
    return project;
  }

  addMember(project: TestProject, userId: string, role: OrgRole): void {
    this.projects.get(project.projectId)?.members.set(userId, role);
  }

  private answer(request: CheckAccessRequest): { response: AccessGrant } | { err: BusErrorPayload } {
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
  if (permission === 'alerts:read') return true;
  if (permission === 'alerts:manage') return MANAGERS.includes(role);
  return false;
}
