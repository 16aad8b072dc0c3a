import { Injectable } from '@nestjs/common';
import { EntityManager, UniqueConstraintViolationException, type FilterQuery } from '@mikro-orm/postgresql';
import { DomainException } from '@northstar/contracts';
import type { PagePosition } from '../common/page';
import { slugFamilyPattern } from '../common/slug';
import { Project } from './project.entity';

/** PostgreSQL access to projects; every query but the tenant lookup names the organisation. */
@Injectable()
export class ProjectRepository {
  constructor(private readonly em: EntityManager) {}

  /** Which organisation a project belongs to: the step that finds the tenant of a project id. */
  async orgIdOf(projectId: string): Promise<string | null> {
    const project = await this.em.findOne(Project, { id: projectId }, { fields: ['orgId'] });
    return project?.orgId ?? null;
  }

  find(orgId: string, projectId: string): Promise<Project | null> {
    return this.em.findOne(Project, { orgId, id: projectId }, { refresh: true });
  }

  list(orgId: string, position: PagePosition | null, limit: number): Promise<Project[]> {
    const after: FilterQuery<Project> = position
      ? { $or: [{ createdAt: { $gt: position.at } }, { createdAt: position.at, id: { $gt: position.id } }] }
      : {};
    return this.em.find(Project, { orgId, ...after }, { orderBy: { createdAt: 'asc', id: 'asc' }, limit });
  }

  countOfOrg(orgId: string): Promise<number> {
    return this.em.count(Project, { orgId });
  }

  async idsOf(orgId: string): Promise<string[]> {
    const rows = await this.em.find(Project, { orgId }, { fields: ['id'] });
    return rows.map((project) => project.id);
  }

  /** The slugs `base` and `base-<n>` taken in the organisation. */
  async slugsLike(orgId: string, base: string): Promise<string[]> {
    const rows = await this.em.find(
      Project,
      { orgId, slug: { $re: slugFamilyPattern(base) } },
      { fields: ['slug'] },
    );
    return rows.map((project) => project.slug);
  }

  /** Inserts or updates; a slug taken in the organisation is a conflict. */
  async save(project: Project): Promise<Project> {
    try {
      await this.em.persist(project).flush();
      return project;
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw DomainException.conflict(`The organisation already has a project with slug "${project.slug}"`);
      }
      throw error;
    }
  }

  async remove(orgId: string, projectId: string): Promise<void> {
    await this.em.nativeDelete(Project, { orgId, id: projectId });
  }
}
