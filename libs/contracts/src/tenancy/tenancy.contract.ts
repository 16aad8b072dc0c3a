import type { Actor } from '../common/actor';
import type { Rpc } from '../rpc';
import type { OrgRole, Permission } from './policy';

/**
 * Request/reply subjects of tenancy. (Owned by the tenancy work: add each subject with its request
 * class (class-validator) and response class (@nestjs/swagger) below.)
 */
export const TenancySubjects = {
  /**
   * "May this actor do X on this project (or organisation)?" for keys, analytics and notifications.
   * Answers the grant, or fails with not_found (not a member: the object is invisible) or
   * forbidden (a member whose role lacks the permission).
   */
  checkAccess: 'tenancy.access.check',
} as const;

export class CheckAccessRequest {
  actor!: Actor;
  /** Exactly one of projectId and orgId. */
  projectId?: string;
  orgId?: string;
  permission!: Permission;
}

export class AccessGrant {
  orgId!: string;
  projectId?: string;
  role!: OrgRole;
}

export interface TenancyContract {
  [TenancySubjects.checkAccess]: Rpc<CheckAccessRequest, AccessGrant>;
}
