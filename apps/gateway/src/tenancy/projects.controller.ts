import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  CreateProjectBody,
  OrgIdParams,
  PageQuery,
  ProjectDto,
  ProjectIdParams,
  ProjectListResponse,
  TenancySubjects,
  UpdateProjectBody,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { actorOf, type AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { ApiAccess } from '../http/api-access.decorator';

@ApiTags('Projects')
@ApiBearerAuth('user')
@Controller()
export class ProjectsController {
  constructor(private readonly bus: BusClient) {}

  @Post('orgs/:orgId/projects')
  @ApiAccess({ role: 'admin' })
  @ApiOperation({
    summary: 'Create a project (admin)',
    description:
      'Without `slug`, one is derived from the name; a given slug taken in the organisation answers 409. ' +
      '`timezone` is an IANA name (default UTC).',
  })
  @ApiCreatedResponse({ type: ProjectDto })
  @ApiProblemResponses(400, 401, 403, 404, 409, 503)
  create(
    @CurrentUser() user: AuthUser,
    @Param() params: OrgIdParams,
    @Body() body: CreateProjectBody,
  ): Promise<ProjectDto> {
    return this.bus.send(TenancySubjects.createProject, {
      ...body,
      orgId: params.orgId,
      actor: actorOf(user),
    });
  }

  @Get('orgs/:orgId/projects')
  @ApiAccess({ role: 'viewer' })
  @ApiOperation({ summary: "The organisation's projects, oldest first (viewer and up)" })
  @ApiOkResponse({ type: ProjectListResponse })
  @ApiProblemResponses(400, 401, 404, 503)
  list(
    @CurrentUser() user: AuthUser,
    @Param() params: OrgIdParams,
    @Query() query: PageQuery,
  ): Promise<ProjectListResponse> {
    return this.bus.send(TenancySubjects.listProjects, {
      ...query,
      orgId: params.orgId,
      actor: actorOf(user),
    });
  }

  @Get('projects/:projectId')
  @ApiAccess({ role: 'viewer' })
  @ApiOperation({
    summary: 'One project (viewer and up)',
    description: 'A project of an organisation the caller is not a member of answers 404.',
  })
  @ApiOkResponse({ type: ProjectDto })
  @ApiProblemResponses(400, 401, 404, 503)
  get(@CurrentUser() user: AuthUser, @Param() params: ProjectIdParams): Promise<ProjectDto> {
    return this.bus.send(TenancySubjects.getProject, { projectId: params.projectId, actor: actorOf(user) });
  }

  @Patch('projects/:projectId')
  @ApiAccess({ role: 'admin' })
  @ApiOperation({ summary: 'Change name, slug, kind or time zone (admin)' })
  @ApiOkResponse({ type: ProjectDto })
  @ApiProblemResponses(400, 401, 403, 404, 409, 503)
  update(
    @CurrentUser() user: AuthUser,
    @Param() params: ProjectIdParams,
    @Body() body: UpdateProjectBody,
  ): Promise<ProjectDto> {
    return this.bus.send(TenancySubjects.updateProject, {
      ...body,
      projectId: params.projectId,
      actor: actorOf(user),
    });
  }

  @Delete('projects/:projectId')
  @ApiAccess({ role: 'admin' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete a project (admin)',
    description: 'Its API keys are revoked and the deletion of its events is scheduled.',
  })
  @ApiNoContentResponse({ description: 'The project is deleted' })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  async delete(@CurrentUser() user: AuthUser, @Param() params: ProjectIdParams): Promise<void> {
    await this.bus.send(TenancySubjects.deleteProject, { projectId: params.projectId, actor: actorOf(user) });
  }
}
