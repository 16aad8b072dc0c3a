import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {} from 'class-transformer';
import { IsBoolean, IsOptional, IsUUID } from 'class-validator';
import { IsName } from '../common/name';
import { Nested } from '../common/nested';
import { OptionalNotNull } from '../common/optional';
import { Actor } from '../common/actor';
import { PageQuery, PageResponse } from '../common/pagination';
import {} from '../common/transforms';
import { IsSlug, SLUG_PATTERN } from '../common/slug';
import { ORG_ROLES, type OrgRole } from './policy';

export class OrgIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'orgId must be an organisation id' })
  orgId!: string;
}

export class CreateOrgBody {
  @ApiProperty({ example: 'Acme Inc', minLength: 1, maxLength: 100 })
  @IsName()
  name!: string;

  @ApiPropertyOptional({
    example: 'acme',
    pattern: SLUG_PATTERN.source,
    description: 'Unique across the platform (409 when taken). Derived from the name when absent.',
  })
  @IsOptional()
  @IsSlug()
  slug?: string;
}

export class CreateOrgRequest extends CreateOrgBody {
  @Nested(Actor)
  actor!: Actor;
}

export class UpdateOrgBody {
  @ApiPropertyOptional({ example: 'Acme Corporation', minLength: 1, maxLength: 100 })
  @OptionalNotNull()
  @IsName()
  name?: string;

  @ApiPropertyOptional({ example: 'acme-corp', pattern: SLUG_PATTERN.source, description: '409 when taken' })
  @OptionalNotNull()
  @IsSlug()
  slug?: string;

  @ApiPropertyOptional({
    description:
      'Owners only (403 for an admin). Members without two-factor sign-in then get 403 `mfa-required` on ' +
      "the organisation's routes and its projects' routes. Turning it on needs the owner's own two factors.",
  })
  @OptionalNotNull()
  @IsBoolean()
  requireMfa?: boolean;
}

export class UpdateOrgRequest extends UpdateOrgBody {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  orgId!: string;
}

/** Any request about one organisation and nothing else. */
export class OrgRequest {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  orgId!: string;
}

export class ListOrgsRequest extends PageQuery {
  @Nested(Actor)
  actor!: Actor;
}

export class OrgDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Acme Inc' })
  name!: string;

  @ApiProperty({ example: 'acme' })
  slug!: string;

  @ApiProperty({ description: 'Members must sign in with two factors' })
  requireMfa!: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

/** An organisation as one of its members sees it. */
export class OrgWithRoleDto extends OrgDto {
  @ApiProperty({ enum: ORG_ROLES, description: "The caller's role in the organisation" })
  role!: OrgRole;
}

export class OrgListResponse extends PageResponse(OrgWithRoleDto) {}
