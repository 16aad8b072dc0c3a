import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { IsName } from '../common/name';
import { Nested } from '../common/nested';
import { OptionalNotNull } from '../common/optional';
import { Actor } from '../common/actor';
import { PageQuery, PageResponse } from '../common/pagination';
import {} from '../common/transforms';
import { IsSlug, SLUG_PATTERN } from '../common/slug';
import { IsIanaTimeZone, toCanonicalTimeZone } from './timezone';

export const PROJECT_KINDS = ['web2', 'web3', 'hybrid'] as const;
export type ProjectKind = (typeof PROJECT_KINDS)[number];

export class ProjectIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'projectId must be a project id' })
  projectId!: string;
}

export class CreateProjectBody {
  @ApiProperty({ example: 'Storefront', minLength: 1, maxLength: 100 })
  @IsName()
  name!: string;

  @ApiPropertyOptional({
    example: 'storefront',
    pattern: SLUG_PATTERN.source,
    description: 'Unique within the organisation (409 when taken). Derived from the name when absent.',
  })
  @IsOptional()
  @IsSlug()
  slug?: string;

  @ApiProperty({ enum: PROJECT_KINDS })
  @IsIn(PROJECT_KINDS)
  kind!: ProjectKind;

  @ApiPropertyOptional({
    example: 'Europe/Paris',
    default: 'UTC',
    description: 'IANA time zone of the reports',
  })
  @IsOptional()
  @Transform(toCanonicalTimeZone)
  @IsIanaTimeZone()
  timezone?: string;
}

export class CreateProjectRequest extends CreateProjectBody {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  orgId!: string;
}

export class UpdateProjectBody {
  @ApiPropertyOptional({ example: 'Storefront', minLength: 1, maxLength: 100 })
  @OptionalNotNull()
  @IsName()
  name?: string;

  @ApiPropertyOptional({ example: 'storefront', pattern: SLUG_PATTERN.source, description: '409 when taken' })
  @OptionalNotNull()
  @IsSlug()
  slug?: string;

  @ApiPropertyOptional({ enum: PROJECT_KINDS })
  @OptionalNotNull()
  @IsIn(PROJECT_KINDS)
  kind?: ProjectKind;

  @ApiPropertyOptional({ example: 'America/New_York' })
  @OptionalNotNull()
  @Transform(toCanonicalTimeZone)
  @IsIanaTimeZone()
  timezone?: string;
}

export class UpdateProjectRequest extends UpdateProjectBody {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  projectId!: string;
}

/** Any request about one project and nothing else. */
export class ProjectRequest {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  projectId!: string;
}

export class ListProjectsRequest extends PageQuery {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  orgId!: string;
}

export class ProjectDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  orgId!: string;

  @ApiProperty({ example: 'Storefront' })
  name!: string;

  @ApiProperty({ example: 'storefront' })
  slug!: string;

  @ApiProperty({ enum: PROJECT_KINDS })
  kind!: ProjectKind;

  @ApiProperty({ example: 'UTC' })
  timezone!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class ProjectListResponse extends PageResponse(ProjectDto) {}
