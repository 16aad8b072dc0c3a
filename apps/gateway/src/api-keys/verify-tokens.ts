import { createHash, timingSafeEqual } from 'node:crypto';

/** The development value of VERIFY_TOKENS: production refuses to start with it (@Secret). */
export const DEVELOPMENT_VERIFY_TOKEN = 'northstar-development-verify-token-do-not-use-in-production';
/** A token a proxy holds for months should not be guessable: at least this long. */
export const MIN_VERIFY_TOKEN_LENGTH = 24;

export function parseVerifyTokens(value: string): string[] {
  return value
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token.length > 0);
}

/** Why VERIFY_TOKENS is unusable, or null. */
export function verifyTokensProblem(value: unknown, nodeEnv: string | undefined): string | null {
  if (typeof value !== 'string') return 'must be a comma-separated list of tokens';
  const tokens = parseVerifyTokens(value);
  if (tokens.length === 0) return 'must name at least one token';
  if (tokens.some((token) => token.length < MIN_VERIFY_TOKEN_LENGTH)) {
    return `each token must be at least ${MIN_VERIFY_TOKEN_LENGTH} characters`;
  }
  // @Secret refuses the default as the whole value; the default hidden in a list is no secret either.
  if (nodeEnv === 'production' && tokens.includes(DEVELOPMENT_VERIFY_TOKEN)) {
    return 'must not contain the development token in production';
  }
  return null;
}

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/**
 * Checks a presented service token against the configured ones in constant time: both sides are
 * hashed first, so the comparison neither leaks a token's length nor stops at the first match.
 */
export class VerifyTokens {
  private readonly digests: Buffer[];

  constructor(value: string) {
    this.digests = parseVerifyTokens(value).map(digest);
  }

  accepts(presented: string | undefined): boolean {
    const candidate = digest(presented ?? '');
    let accepted = false;
    for (const known of this.digests) accepted = timingSafeEqual(known, candidate) || accepted;
    return accepted && presented !== undefined && presented.length > 0;
  }
}

/** The bearer token of an Authorization header, or undefined. */
export function bearerTokenOf(header: string | string[] | undefined): string | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim() ?? '';
  const space = value.indexOf(' ');
  if (space < 0 || value.slice(0, space).toLowerCase() !== 'bearer') return undefined;
  const token = value.slice(space + 1).trim();
  return token.length > 0 && token.length <= 1024 ? token : undefined;
}
