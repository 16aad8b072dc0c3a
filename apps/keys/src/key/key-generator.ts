import {
  API_KEY_ALPHABET,
  API_KEY_SECRET_LENGTH,
  displayPrefixOf,
  hashApiKey,
  type ApiKeyEnvironment,
} from '@northstar/contracts';
import { randomBytes } from 'node:crypto';

// 248 = 4 × 62: bytes at or above it are skipped so that every character is equally likely.
const UNBIASED_BYTE_LIMIT = 256 - (256 % API_KEY_ALPHABET.length);

export interface GeneratedKey {
  /** The plaintext, shown once to the caller and then forgotten. */
  key: string;
  hash: string;
  prefix: string;
}

/** `nsk_<env>_<32 base62 characters>` from the CSPRNG: about 190 bits of entropy. */
export function generateApiKey(
  environment: ApiKeyEnvironment,
  random: (size: number) => Buffer = randomBytes,
): GeneratedKey {
  let secret = '';
  while (secret.length < API_KEY_SECRET_LENGTH) {
    for (const byte of random(API_KEY_SECRET_LENGTH + 8)) {
      if (byte >= UNBIASED_BYTE_LIMIT) continue;
      secret += API_KEY_ALPHABET[byte % API_KEY_ALPHABET.length];
      if (secret.length === API_KEY_SECRET_LENGTH) break;
    }
  }
  const key = `nsk_${environment}_${secret}`;
  return { key, hash: hashApiKey(key), prefix: displayPrefixOf(key) };
}
