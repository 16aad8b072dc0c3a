import { createHash, randomBytes } from 'node:crypto';

/**
 * Opaque single-use secrets (refresh, email verification and password reset tokens): 256 random bits,
 * base64url. Only their SHA-256 is stored: the tokens carry full entropy, so a fast unsalted hash is
 * enough, and it lets the database find a token by equality on an index.
 */
export function newSecureToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
