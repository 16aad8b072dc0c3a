import type { ProjectDto } from '@northstar/contracts';
import type { Project } from './project.entity';

export function toProjectDto(project: Project): ProjectDto {
  return {
    id: project.id,
    orgId: project.orgId,
    name: project.name,
    slug: project.slug,
    kind: project.kind,
    timezone: project.timezone,
    createdAt: project.createdAt.toISOString(),
  };
}
