import { Injectable } from '@nestjs/common';
import {
  DomainException,
  type AccessGrant,
  type CheckAccessRequest,
  type OrgRole,
} from '@northstar/contracts';
import { EntityManager } from '@mikro-orm/postgresql';
import { MembershipRepository } from '../member/membership.repository';
import { assertCan } from '../policy/policy';
import { Project } from '../project/project.entity';
import { Organisation } from '../org/organisation.entity';
import { AccessCache, type MemberAccess, type ProjectPlace } from './access.cache';
import { meetsMfaRules, mfaRequired } from './mfa-required';

/**
 * Access checks for the other services (keys, analytics, notifications): on their hot paths, so both
 * lookups (project → organisation, membership → role) are served from Redis when possible.
 */
@Injectable()
export class AccessService {
  constructor(
    private readonly cache: AccessCache,
    private readonly memberships: MembershipRepository,
    private readonly em: EntityManager,
  ) {}

  async check(request: CheckAccessRequest): Promise<AccessGrant> {
    if (request.projectId !== undefined && request.orgId !== undefined) {
      throw DomainException.invalid([
        { field: 'orgId', message: 'give either projectId or orgId, not both' },
      ]);
    }
    const projectId = request.projectId;
    const place = projectId === undefined ? null : await this.placeOf(projectId);
    const orgId = projectId === undefined ? request.orgId : place?.orgId;
    const what = projectId === undefined ? 'Organisation' : 'Project';
    if (orgId === undefined) throw DomainException.notFound(what);

    const access = await this.accessOf(orgId, request.actor.userId);
    if (access === null) throw DomainException.notFound(what);
    const { role } = access;
    if (!meetsMfaRules(request.actor, access)) throw mfaRequired();
    assertCan(role, request.permission);
    return projectId === undefined || !place
      ? { orgId, role }
      : { orgId, projectId, role, timezone: place.timezone };
  }

  /** The project's organisation and time zone; null when there is no such project. */
  private async placeOf(projectId: string): Promise<ProjectPlace | null> {
    const cached = await this.cache.readProject(projectId);
    if (cached !== undefined) return cached;
    const project = await this.em.findOne(Project, { id: projectId }, { fields: ['orgId', 'timezone'] });
    if (!project) return null;
    const place = { orgId: project.orgId, timezone: project.timezone };
    // Unknown ids are not cached: ids are random, so a miss is a typo or a probe, not a hot path.
    await this.cache.writeProject(projectId, place);
    return place;
  }

  private async accessOf(orgId: string, userId: string): Promise<MemberAccess | null> {
    const { generation, role: cached } = await this.cache.readRole(orgId, userId);
    if (cached !== undefined) return cached;
    const role: OrgRole | null = (await this.memberships.find(orgId, userId))?.role ?? null;
    const org = role
      ? await this.em.findOne(Organisation, { id: orgId }, { fields: ['requireMfa', 'trustedMfaProviders'] })
      : null;
    const access =
      role && org ? { role, requireMfa: org.requireMfa, trustedMfaProviders: org.trustedMfaProviders } : null;
    await this.cache.writeRole(orgId, userId, generation, access);
    return access;
  }
}
