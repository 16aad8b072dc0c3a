import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsEmailAddress } from '../common/email';
import { OptionalNotNull } from '../common/optional';
import { DeletedResponse } from '../chains/chains.contract';
import { Actor } from '../common/actor';
import { PageQuery, PageResponse } from '../common/pagination';
import { trim, trimLower } from '../common/transforms';
import { SLUG_MESSAGE, SLUG_PATTERN } from '../common/slug';
import type { Rpc } from '../rpc';
import { ORG_ROLES, PERMISSIONS, type OrgRole, type Permission } from './policy';
import { IsIanaTimeZone, toCanonicalTimeZone } from './timezone';

export * from './timezone';

/**
 * Request/reply subjects of tenancy. Every request carries the acting user (`actor`); tenancy checks
 * the actor's membership and role itself. Objects of an organisation the actor is not a member of
 * answer `not_found`, never `forbidden`: their existence is not revealed.
 */
export const TenancySubjects = {
  /**
   * "May this actor do X on this project (or organisation)?" for keys, analytics and notifications.
   * Answers the grant, or fails with not_found (not a member: the object is invisible) or
   * forbidden (a member whose role lacks the permission).
   */
  checkAccess: 'tenancy.access.check',
  createOrg: 'tenancy.org.create',
  listOrgs: 'tenancy.org.list',
  getOrg: 'tenancy.org.get',
  updateOrg: 'tenancy.org.update',
  /** Deletes the organisation with its projects (one tenancy.project.deleted each), members, invitations. */
  deleteOrg: 'tenancy.org.delete',
  listMembers: 'tenancy.member.list',
  updateMember: 'tenancy.member.update',
  removeMember: 'tenancy.member.remove',
  createInvitation: 'tenancy.invitation.create',
  listInvitations: 'tenancy.invitation.list',
  acceptInvitation: 'tenancy.invitation.accept',
  createProject: 'tenancy.project.create',
  listProjects: 'tenancy.project.list',
  getProject: 'tenancy.project.get',
  updateProject: 'tenancy.project.update',
  /** Publishes tenancy.project.deleted (durable): keys, ingestion and notifications clean up. */
  deleteProject: 'tenancy.project.delete',
} as const;

export const PROJECT_KINDS = ['web2', 'web3', 'hybrid'] as const;
export type ProjectKind = (typeof PROJECT_KINDS)[number];

/** How long an invitation's token stays valid. */
export const INVITATION_TTL_SECONDS = 7 * 24 * 3600;

/** A required nested object, validated with its own class. */
function Nested(type: new () => object): PropertyDecorator {
  const decorators = [IsDefined(), ValidateNested(), Type(() => type)];
  return (target, property) => decorators.forEach((decorate) => decorate(target, property));
}

function Slug(): PropertyDecorator {
  return Matches(SLUG_PATTERN, { message: `slug ${SLUG_MESSAGE}` });
}

// ---------------------------------------------------------------------------------------------
// Access checks (for the other services).

export class CheckAccessRequest {
  @Nested(Actor)
  actor!: Actor;

  /** Exactly one of projectId and orgId. */
  @ValidateIf((request: CheckAccessRequest) => request.orgId === undefined)
  @IsUUID('all', { message: 'projectId must be a project id (or give orgId)' })
  projectId?: string;

  @ValidateIf((request: CheckAccessRequest) => request.projectId === undefined)
  @IsUUID('all', { message: 'orgId must be an organisation id (or give projectId)' })
  orgId?: string;

  @IsIn(PERMISSIONS)
  permission!: Permission;
}

export class AccessGrant {
  orgId!: string;
  projectId?: string;
  role!: OrgRole;
  /** The project's IANA time zone, when the check was about a project (analytics' default `tz`). */
  timezone?: string;
}

// ---------------------------------------------------------------------------------------------
// Path parameters of the public routes.

export class OrgIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'orgId must be an organisation id' })
  orgId!: string;
}

export class MemberParams extends OrgIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'userId must be a user id' })
  userId!: string;
}

export class ProjectIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'projectId must be a project id' })
  projectId!: string;
}

// ---------------------------------------------------------------------------------------------
// Organisations.

export class CreateOrgBody {
  @ApiProperty({ example: 'Acme Inc', minLength: 1, maxLength: 100 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiPropertyOptional({
    example: 'acme',
    pattern: SLUG_PATTERN.source,
    description: 'Unique across the platform (409 when taken). Derived from the name when absent.',
  })
  @IsOptional()
  @Slug()
  slug?: string;
}

export class CreateOrgRequest extends CreateOrgBody {
  @Nested(Actor)
  actor!: Actor;
}

export class UpdateOrgBody {
  @ApiPropertyOptional({ example: 'Acme Corporation', minLength: 1, maxLength: 100 })
  @OptionalNotNull()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ example: 'acme-corp', pattern: SLUG_PATTERN.source, description: '409 when taken' })
  @OptionalNotNull()
  @Slug()
  slug?: string;
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

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

/** An organisation as one of its members sees it. */
export class OrgWithRoleDto extends OrgDto {
  @ApiProperty({ enum: ORG_ROLES, description: "The caller's role in the organisation" })
  role!: OrgRole;
}

export class OrgListResponse extends PageResponse(OrgWithRoleDto) {}

// ---------------------------------------------------------------------------------------------
// Members.

export class ListMembersRequest extends PageQuery {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  orgId!: string;
}

export class UpdateMemberBody {
  @ApiProperty({ enum: ORG_ROLES, description: 'Only an owner grants or removes `owner`' })
  @IsIn(ORG_ROLES)
  role!: OrgRole;
}

export class UpdateMemberRequest extends UpdateMemberBody {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  orgId!: string;

  @IsUUID()
  userId!: string;
}

export class RemoveMemberRequest {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  orgId!: string;

  @IsUUID()
  userId!: string;
}

export class MemberDto {
  @ApiProperty({ format: 'uuid' })
  userId!: string;

  @ApiProperty({
    nullable: true,
    type: String,
    example: 'ada@example.com',
    description: 'null if the account is gone',
  })
  email!: string | null;

  @ApiProperty({
    nullable: true,
    type: String,
    example: 'Ada Lovelace',
    description: 'null if the account is gone',
  })
  name!: string | null;

  @ApiProperty({ enum: ORG_ROLES })
  role!: OrgRole;

  @ApiProperty({ format: 'date-time' })
  joinedAt!: string;
}

export class MemberListResponse extends PageResponse(MemberDto) {}

/** A membership as it was created (accepting an invitation) or changed. */
export class MembershipDto {
  @ApiProperty({ format: 'uuid' })
  orgId!: string;

  @ApiProperty({ format: 'uuid' })
  userId!: string;

  @ApiProperty({ enum: ORG_ROLES })
  role!: OrgRole;

  @ApiProperty({ format: 'date-time' })
  joinedAt!: string;
}

// ---------------------------------------------------------------------------------------------
// Invitations.

export class CreateInvitationBody {
  @ApiProperty({
    example: 'grace@example.com',
    maxLength: 254,
    description: 'Case-insensitive; stored lower-case',
  })
  @Transform(trimLower)
  @IsEmailAddress({ message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;

  @ApiProperty({ enum: ORG_ROLES, description: 'Only an owner may invite an owner' })
  @IsIn(ORG_ROLES)
  role!: OrgRole;
}

export class CreateInvitationRequest extends CreateInvitationBody {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  orgId!: string;
}

export class ListInvitationsRequest extends PageQuery {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  orgId!: string;
}

export class AcceptInvitationBody {
  @ApiProperty({ description: 'The token of the invitation email' })
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  token!: string;
}

export class AcceptInvitationRequest extends AcceptInvitationBody {
  @Nested(Actor)
  actor!: Actor;
}

export class InvitationDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  orgId!: string;

  @ApiProperty({ example: 'grace@example.com' })
  email!: string;

  @ApiProperty({ enum: ORG_ROLES })
  role!: OrgRole;

  @ApiProperty({ format: 'uuid', description: 'The user who sent the invitation' })
  invitedBy!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', description: 'The token stops working at this time (7 days)' })
  expiresAt!: string;
}

export class InvitationListResponse extends PageResponse(InvitationDto) {}

// ---------------------------------------------------------------------------------------------
// Projects.

export class CreateProjectBody {
  @ApiProperty({ example: 'Storefront', minLength: 1, maxLength: 100 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiPropertyOptional({
    example: 'storefront',
    pattern: SLUG_PATTERN.source,
    description: 'Unique within the organisation (409 when taken). Derived from the name when absent.',
  })
  @IsOptional()
  @Slug()
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
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ example: 'storefront', pattern: SLUG_PATTERN.source, description: '409 when taken' })
  @OptionalNotNull()
  @Slug()
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

export interface TenancyContract {
  [TenancySubjects.checkAccess]: Rpc<CheckAccessRequest, AccessGrant>;
  [TenancySubjects.createOrg]: Rpc<CreateOrgRequest, OrgDto>;
  [TenancySubjects.listOrgs]: Rpc<ListOrgsRequest, OrgListResponse>;
  [TenancySubjects.getOrg]: Rpc<OrgRequest, OrgWithRoleDto>;
  [TenancySubjects.updateOrg]: Rpc<UpdateOrgRequest, OrgWithRoleDto>;
  [TenancySubjects.deleteOrg]: Rpc<OrgRequest, DeletedResponse>;
  [TenancySubjects.listMembers]: Rpc<ListMembersRequest, MemberListResponse>;
  [TenancySubjects.updateMember]: Rpc<UpdateMemberRequest, MembershipDto>;
  [TenancySubjects.removeMember]: Rpc<RemoveMemberRequest, DeletedResponse>;
  [TenancySubjects.createInvitation]: Rpc<CreateInvitationRequest, InvitationDto>;
  [TenancySubjects.listInvitations]: Rpc<ListInvitationsRequest, InvitationListResponse>;
  [TenancySubjects.acceptInvitation]: Rpc<AcceptInvitationRequest, MembershipDto>;
  [TenancySubjects.createProject]: Rpc<CreateProjectRequest, ProjectDto>;
  [TenancySubjects.listProjects]: Rpc<ListProjectsRequest, ProjectListResponse>;
  [TenancySubjects.getProject]: Rpc<ProjectRequest, ProjectDto>;
  [TenancySubjects.updateProject]: Rpc<UpdateProjectRequest, ProjectDto>;
  [TenancySubjects.deleteProject]: Rpc<ProjectRequest, DeletedResponse>;
}
