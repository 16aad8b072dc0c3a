import { IsIn, IsUUID, ValidateIf } from 'class-validator';
import { Nested } from '../common/nested';
import { Actor } from '../common/actor';
import { PERMISSIONS, type OrgRole, type Permission } from './policy';

// Access checks: may this actor do X on this project or organisation (for the other services).

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
