import { Injectable } from '@nestjs/common';
import {
  DomainException,
  type AccessGrant,
  type CheckAccessRequest,
  type OrgRole,
} from '@northstar/contracts';
import { MembershipRepository } from '../member/membership.repository';
import { assertCan } from '../policy/policy';
import { ProjectRepository } from '../project/project.repository';
import { AccessCache } from './access.cache';

/**
 * Access checks for the other services (keys, analytics, notifications): on their hot paths, so both
 * lookups (project → organisation, membership → role) are served from Redis when possible.
 */
@Injectable()
export class AccessService {
  constructor(
    private readonly cache: AccessCache,
    private readonly memberships: MembershipRepository,
    private readonly projects: ProjectRepository,
  ) {}

  async check(request: CheckAccessRequest): Promise<AccessGrant> {
    if (request.projectId !== undefined && request.orgId !== undefined) {
      throw DomainException.invalid([
        { field: 'orgId', message: 'give either projectId or orgId, not both' },
      ]);
    }
    const projectId = request.projectId;
    const orgId = projectId === undefined ? request.orgId : await this.orgOfProject(projectId);
    const what = projectId === undefined ? 'Organisation' : 'Project';
    if (orgId === undefined || orgId === null) throw DomainException.notFound(what);

    const role = await this.roleOf(orgId, request.actor.userId);
    if (role === null) throw DomainException.notFound(what);
    assertCan(role, request.permission);
    return projectId === undefined ? { orgId, role } : { orgId, projectId, role };
  }

  private async orgOfProject(projectId: string): Promise<string | null> {
    const cached = await this.cache.readProjectOrg(projectId);
    if (cached !== undefined) return cached;
    const orgId = await this.projects.orgIdOf(projectId);
    // Unknown ids are not cached: ids are random, so a miss is a typo or a probe, not a hot path.
    if (orgId !== null) await this.cache.writeProjectOrg(projectId, orgId);
    return orgId;
  }

  private async roleOf(orgId: string, userId: string): Promise<OrgRole | null> {
    const { generation, role: cached } = await this.cache.readRole(orgId, userId);
    if (cached !== undefined) return cached;
    const role = (await this.memberships.find(orgId, userId))?.role ?? null;
    await this.cache.writeRole(orgId, userId, generation, role);
    return role;
  }
}
