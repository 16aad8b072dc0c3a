import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {} from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsOptional, IsUUID, Matches } from 'class-validator';
import { OIDC_PROVIDER_ID_PATTERN } from '../identity/identity.contract';
import { IsName } from '../common/name';
import { Nested } from '../common/nested';
import { OptionalNotNull } from '../common/optional';
import { Actor } from '../common/actor';
import { PageQuery, PageResponse } from '../common/pagination';
import {} from '../common/transforms';
import { IsSlug, SLUG_PATTERN } from '../common/slug';
import { ORG_ROLES, type OrgRole } from './policy';

/** Bounds an organisation's list of trusted providers: a handful is all a real one has. */
export const TRUSTED_MFA_PROVIDERS_MAX = 16;

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

  @ApiPropertyOptional({
    type: [String],
    example: ['corp'],
    maxItems: TRUSTED_MFA_PROVIDERS_MAX,
    description:
      'Owners only (403 for an admin). Single sign-on provider ids (as `GET /v1/auth/oidc/providers` ' +
      'lists them) whose own MFA the organisation trusts: while `requireMfa` is on, a member signed in ' +
      "through one of them is let in without this platform's second factor. Replaces the list; `[]` " +
      'trusts none. A change that would shut the owner making it out is 403 `mfa-required`.',
  })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(TRUSTED_MFA_PROVIDERS_MAX)
  @ArrayUnique()
  @Matches(OIDC_PROVIDER_ID_PATTERN, {
    each: true,
    message: 'each of trustedMfaProviders must be a provider id (lower-case letters, digits, dashes)',
  })
  trustedMfaProviders?: string[];
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

  @ApiProperty({
    type: [String],
    example: [],
    description: 'Sign-on providers whose own MFA counts as two factors for `requireMfa`',
  })
  trustedMfaProviders!: string[];

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

/** An organisation as one of its members sees it. */
export class OrgWithRoleDto extends OrgDto {
  @ApiProperty({ enum: ORG_ROLES, description: "The caller's role in the organisation" })
  role!: OrgRole;
}

export class OrgListResponse extends PageResponse(OrgWithRoleDto) {}
