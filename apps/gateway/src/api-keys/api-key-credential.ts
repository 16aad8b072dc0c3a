import { API_KEY_PREFIX } from '@northstar/contracts';

export type PresentedCredential =
  /** No API key was presented. */
  | { kind: 'none' }
  /** Something that claims to be an API key (its shape is checked by verification). */
  | { kind: 'key'; key: string }
  /** Two different keys, or a Basic credential that is not `<key>:` (empty password). */
  | { kind: 'ambiguous'; reason: string };

/** Where ApiKeyGuard puts a body's `writeKey` for authentication, on the routes that accept it there. */
export const BODY_WRITE_KEY_PROPERTY = 'apiKeyFromBody';

type Headers = Record<string, string | string[] | undefined>;

// Header values are untrusted input: nothing longer than this is worth hashing.
const MAX_CREDENTIAL_LENGTH = 256;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The API key of a request, from `X-Api-Key: <key>`, `Authorization: Bearer <key>` or HTTP Basic with
 * the key as user name and an empty password (what Segment's SDKs send). An Authorization header
 * that does not start with `nsk_` is another credential (a user's JWT): it is not a key.
 *
 * `bodyWriteKey` is the `writeKey` field of a JSON body, where browser libraries (analytics.js) put
 * the key; only the routes that accept it there pass it. It counts as one more place a key may be.
 */
export function presentedApiKey(headers: Headers, bodyWriteKey?: unknown): PresentedCredential {
  const found: string[] = [];
  const header = single(headers['x-api-key'])?.trim();
  if (header) found.push(header);
  const writeKey = typeof bodyWriteKey === 'string' ? bodyWriteKey.trim() : '';
  if (writeKey) found.push(writeKey);

  const authorization = single(headers['authorization'])?.trim() ?? '';
  const space = authorization.indexOf(' ');
  const scheme = space < 0 ? authorization.toLowerCase() : authorization.slice(0, space).toLowerCase();
  const value = space < 0 ? '' : authorization.slice(space + 1).trim();
  if (scheme === 'bearer' && value.startsWith(API_KEY_PREFIX)) found.push(value);
  if (scheme === 'basic' && value.length > 0 && value.length <= MAX_CREDENTIAL_LENGTH * 2) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    if (user.startsWith(API_KEY_PREFIX)) {
      if (colon >= 0 && decoded.length > colon + 1) {
        return {
          kind: 'ambiguous',
          reason: 'Send the API key as the Basic user name with an empty password',
        };
      }
      found.push(user);
    }
  }

  if (found.length === 0) return { kind: 'none' };
  if (found.some((key) => key !== found[0])) {
    return { kind: 'ambiguous', reason: 'The request carries two different API keys' };
  }
  return { kind: 'key', key: found[0].slice(0, MAX_CREDENTIAL_LENGTH + 1) };
}
