import type { Rpc } from '../rpc';

/**
 * Request/reply subjects of identity. (Owned by the identity work: add each subject with its
 * request class (class-validator) and response class (@nestjs/swagger) below.)
 */
export const IdentitySubjects = {
  /** Used by tenancy to show members and match invitation emails: `{ userIds }` → `{ users }`. */
  usersByIds: 'identity.user.by-ids',
} as const;

export class UsersByIdsRequest {
  userIds!: string[];
}

export class UserSummary {
  id!: string;
  email!: string;
  name!: string;
}

export class UsersByIdsResponse {
  users!: UserSummary[];
}

export interface IdentityContract {
  [IdentitySubjects.usersByIds]: Rpc<UsersByIdsRequest, UsersByIdsResponse>;
}
