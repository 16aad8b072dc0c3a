import { hash } from 'node:crypto';

/**
 * The shape of an API key, shared by the service that issues keys and the gateway that checks them:
 * `nsk_<env>_<secret>`, where the secret is 32 base62 characters drawn from a CSPRNG (about 190 bits).
 * The `nsk_` prefix tells a key from a JWT at a glance; `<env>` tells live keys from test keys.
 */
export const API_KEY_PREFIX = 'nsk_';
export const API_KEY_ENVIRONMENTS = ['live', 'test'] as const;
export type ApiKeyEnvironment = (typeof API_KEY_ENVIRONMENTS)[number];

export const API_KEY_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const API_KEY_SECRET_LENGTH = 32;
/** How much of a key people see to recognise it (`nsk_live_4fZ`); never enough to use it. */
export const API_KEY_DISPLAY_PREFIX_LENGTH = 12;

export const API_KEY_PATTERN = /^nsk_(live|test)_[0-9A-Za-z]{32}$/;
/** A key is stored and looked up only as the SHA-256 (hex) of the whole key. */
export const API_KEY_HASH_PATTERN = /^[0-9a-f]{64}$/;

export function isApiKeyShaped(candidate: string): boolean {
  return API_KEY_PATTERN.test(candidate);
}

/**
 * SHA-256 of the whole key. Keys carry full entropy, so a fast unsalted hash is the right tool:
 * guessing is hopeless anyway, and a slow hash would cost every request.
 */
export function hashApiKey(key: string): string {
  // One-shot hashing: it runs on every key-authenticated request.
  return hash('sha256', key, 'hex');
}

export function displayPrefixOf(key: string): string {
  return key.slice(0, API_KEY_DISPLAY_PREFIX_LENGTH);
}
