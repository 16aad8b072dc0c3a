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

/**
 * The platform role comes from configuration, not from the database: operators grant and withdraw
 * it with a deployment, and it takes effect at the user's next login or refresh.
 */
@Injectable()
export class PlatformRoles {
  private readonly admins: ReadonlySet<string>;

  constructor(config: IdentityConfig) {
    this.admins = parseAdminEmails(config.NORTHSTAR_ADMIN_EMAILS);
  }

  roleOf(email: string): PlatformRole {
    return this.admins.has(normalizeEmail(email)) ? 'admin' : 'user';
  }
}
