import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'nsi_';

/** A new invitation token: 256 random bits, recognisable by its prefix. */
export function newInvitationToken(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

/**
 * What is stored and looked up instead of the token. A fast hash is enough: the token has 256 bits of
 * entropy, so there is nothing to brute-force, and the lookup by hash never compares secrets in code.
 */
export function hashInvitationToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
