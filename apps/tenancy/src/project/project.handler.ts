import { Controller } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import {
  CreateProjectRequest,
  ListProjectsRequest,
  ProjectRequest,
  TenancySubjects,
  UpdateProjectRequest,
  type DeletedResponse,
  type ProjectDto,
  type ProjectListResponse,
} from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { ProjectService } from './project.service';

@Controller()
export class ProjectHandler {
  constructor(
    private readonly projects: ProjectService,
    readonly orm: MikroORM,
  ) {}

  @BusHandler(TenancySubjects.createProject)
  @CreateRequestContext()
  create(@Payload() request: CreateProjectRequest): Promise<ProjectDto> {
    const { actor, orgId, ...input } = request;
    return this.projects.create(actor, orgId, input);
  }

  @BusHandler(TenancySubjects.listProjects)
  @CreateRequestContext()
  list(@Payload() request: ListProjectsRequest): Promise<ProjectListResponse> {
    return this.projects.list(request.actor, request);
  }

  @BusHandler(TenancySubjects.getProject)
  @CreateRequestContext()
  get(@Payload() request: ProjectRequest): Promise<ProjectDto> {
    return this.projects.get(request.actor, request.projectId);
  }

  @BusHandler(TenancySubjects.updateProject)
  @CreateRequestContext()
  update(@Payload() request: UpdateProjectRequest): Promise<ProjectDto> {
    const { actor, projectId, ...patch } = request;
    return this.projects.update(actor, projectId, patch);
  }

  @BusHandler(TenancySubjects.deleteProject)
  @CreateRequestContext()
  async delete(@Payload() request: ProjectRequest): Promise<DeletedResponse> {
    await this.projects.delete(request.actor, request.projectId);
    return { deleted: true };
  }
}
