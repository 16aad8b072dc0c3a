import { Injectable } from '@nestjs/common';
import type { PlatformRole } from '@northstar/contracts';
import { IdentityConfig } from '../config';
import { normalizeEmail } from './emails';

/** Parses NORTHSTAR_ADMIN_EMAILS: comma-separated, any case, blanks ignored. */
export function parseAdminEmails(setting: string): ReadonlySet<string> {
  return new Set(
    setting
      .split(',')
      .map(normalizeEmail)
      .filter((email) => email.length > 0),
  );
}

/** What the platform role is decided on: the address, and whether its owner proved control of it. */
export type RoleSubject = { readonly email: string; readonly emailVerified: boolean };

/**
 * The platform role comes from configuration, not from the database: operators grant and withdraw
 * it with a deployment, and it takes effect at the user's next login or refresh. A listed address
 * counts only once verified: otherwise whoever registers it first would be admin.
 */
@Injectable()
export class PlatformRoles {
  private readonly admins: ReadonlySet<string>;

  constructor(config: IdentityConfig) {
    this.admins = parseAdminEmails(config.NORTHSTAR_ADMIN_EMAILS);
  }

  roleOf(user: RoleSubject): PlatformRole {
    return user.emailVerified && this.admins.has(normalizeEmail(user.email)) ? 'admin' : 'user';
  }
}
