import type { Rpc } from '../rpc';

/**
 * Request/reply subjects of identity. (Owned by the identity work: add each subject with its
 * request class (class-validator) and response class (@nestjs/swagger) below.)
 */
export const IdentitySubjects = {
  /** `{ email, password, name }` → `{ user }` (the public user, as GET /v1/me shows it). */
  register: 'identity.auth.register',
  login: 'identity.auth.login',
  refresh: 'identity.auth.refresh',
  logout: 'identity.auth.logout',
  verifyEmail: 'identity.auth.verify-email',
  forgotPassword: 'identity.auth.forgot-password',
  resetPassword: 'identity.auth.reset-password',
  me: 'identity.me.get',
  updateMe: 'identity.me.update',
  listSessions: 'identity.session.list',
  revokeSession: 'identity.session.revoke',
  /** Used by tenancy to show members and match invitation emails: `{ userIds }` → `{ users }`. */
  usersByIds: 'identity.user.by-ids',
} as const;

export class UsersByIdsRequest {
  userIds!: string[];
}

export class UserSummary {
  id!: string;
  /** Lower-cased. */
  email!: string;
  name!: string;
  /** Tenancy accepts an invitation only for a verified email matching the invitation's. */
  emailVerified!: boolean;
}

export class UsersByIdsResponse {
  users!: UserSummary[];
}

export interface IdentityContract {
  [IdentitySubjects.usersByIds]: Rpc<UsersByIdsRequest, UsersByIdsResponse>;
}
