import { Injectable } from '@nestjs/common';
import { Outbox, OutboxRepository, Transactions } from '@northstar/persistence';
import {
  DomainException,
  TenancyEvents,
  TenancySubjects,
  type Actor,
  type CreateProjectBody,
  type ListProjectsRequest,
  type Permission,
  type ProjectDto,
  type ProjectListResponse,
  type UpdateProjectBody,
  pageLimit,
  toPage,
} from '@northstar/contracts';
import { randomBytes } from 'node:crypto';
import { AccessChanges } from '../access/access-changes';
import { Memberships } from '../access/memberships';
import { isConflict, SLUG_ATTEMPTS } from '../common/conflict';
import { positionCursor } from '../common/page';
import { firstFreeSlug, slugify } from '../common/slug';
import { OrgRepository } from '../org/org.repository';
import { PlanRoom } from '../plan/plan-room';
import { Project } from './project.entity';
import { toProjectDto } from './project.mapper';
import { ProjectRepository } from './project.repository';

// An organisation's projects, by creation time and then id.
const projectsCursor = positionCursor(TenancySubjects.listProjects);

/**
 * Projects of an organisation: members read them, admins create (within the plan's maxProjects),
 * change and delete them. Changes hold a shared lock on the organisation's row, so they never
 * interleave with a role change or the organisation's deletion; creations hold it exclusively.
 */
@Injectable()
export class ProjectService {
  constructor(
    private readonly projects: ProjectRepository,
    private readonly orgs: OrgRepository,
    private readonly access: Memberships,
    private readonly outbox: OutboxRepository,
    private readonly publisher: Outbox,
    private readonly changes: AccessChanges,
    private readonly transactions: Transactions,
    private readonly room: PlanRoom,
  ) {}

  async create(actor: Actor, orgId: string, input: CreateProjectBody): Promise<ProjectDto> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transactions.run(async () => {
          // Exclusively, unlike other project changes: two creations must not both take the plan's last place.
          const org = await this.orgs.lockForUpdate(orgId);
          if (!org) throw DomainException.notFound('Organisation');
          await this.access.require(actor, orgId, 'projects:create');
          await this.room.forProject(org);
          const slug = input.slug ?? (await this.derivedSlug(orgId, input.name, attempt));
          const project = Object.assign(new Project(), {
            orgId,
            name: input.name,
            slug,
            kind: input.kind,
            ...(input.timezone !== undefined ? { timezone: input.timezone } : {}),
          });
          return toProjectDto(await this.projects.save(project));
        });
      } catch (error) {
        // A derived slug taken by a concurrent request since we looked: derive another one.
        if (input.slug === undefined && isConflict(error) && attempt < SLUG_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  async list(actor: Actor, query: ListProjectsRequest): Promise<ProjectListResponse> {
    await this.access.require(actor, query.orgId, 'projects:read');
    const limit = pageLimit(query.limit);
    const rows = await this.projects.list(
      query.orgId,
      projectsCursor.decodeOptional(query.cursor),
      limit + 1,
    );
    return toPage(rows, limit, projectsCursor, (row) => ({ at: row.createdAt, id: row.id }), toProjectDto);
  }

  async get(actor: Actor, projectId: string): Promise<ProjectDto> {
    const orgId = await this.orgOf(projectId);
    await this.access.require(actor, orgId, 'projects:read', 'Project');
    return toProjectDto(await this.find(orgId, projectId));
  }

  async update(actor: Actor, projectId: string, patch: UpdateProjectBody): Promise<ProjectDto> {
    const orgId = await this.orgOf(projectId);
    const updated = await this.transactions.run(async () => {
      const project = await this.lockedProject(actor, orgId, projectId, 'projects:update');
      if (patch.name !== undefined) project.name = patch.name;
      if (patch.slug !== undefined) project.slug = patch.slug;
      if (patch.kind !== undefined) project.kind = patch.kind;
      if (patch.timezone !== undefined) project.timezone = patch.timezone;
      return toProjectDto(await this.projects.save(project));
    });
    // Access grants carry the project's time zone (analytics' default `tz`): drop the cached ones.
    if (patch.timezone !== undefined) await this.changes.projectChanged(orgId, projectId);
    return updated;
  }

  /** Deletes the project and announces it (durably): keys revokes its keys, ingestion drops its events. */
  async delete(actor: Actor, projectId: string): Promise<void> {
    const orgId = await this.orgOf(projectId);
    const messageId = await this.transactions.run(async () => {
      await this.lockedProject(actor, orgId, projectId, 'projects:delete');
      await this.projects.remove(orgId, projectId);
      const message = this.outbox.add(TenancyEvents.projectDeleted, {
        projectId,
        orgId,
        deletedAt: new Date().toISOString(),
      });
      await this.outbox.flush();
      return message.id;
    });
    await this.changes.projectsDeleted(orgId, [projectId]);
    await this.publisher.publishNow([messageId]);
  }

  private async orgOf(projectId: string): Promise<string> {
    const orgId = await this.projects.orgIdOf(projectId);
    if (!orgId) throw DomainException.notFound('Project');
    return orgId;
  }

  private async find(orgId: string, projectId: string): Promise<Project> {
    const project = await this.projects.find(orgId, projectId);
    if (!project) throw DomainException.notFound('Project');
    return project;
  }

  private async lockedProject(
    actor: Actor,
    orgId: string,
    projectId: string,
    permission: Permission,
  ): Promise<Project> {
    await this.lockOrg(orgId, 'Project');
    await this.access.require(actor, orgId, permission, 'Project');
    return this.find(orgId, projectId);
  }

  private async lockOrg(orgId: string, what: string): Promise<void> {
    if (!(await this.orgs.lockForShare(orgId))) throw DomainException.notFound(what);
  }

  private async derivedSlug(orgId: string, name: string, attempt: number): Promise<string> {
    const base = slugify(name, 'project');
    if (attempt >= SLUG_ATTEMPTS - 1) return `${base}-${randomBytes(3).toString('hex')}`;
    return firstFreeSlug(base, await this.projects.slugsLike(orgId, base));
  }
}
