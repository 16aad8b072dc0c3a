import { RECOVERY_CODE_COUNT } from '@northstar/contracts';
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** Ten fresh codes `xxxxx-xxxxx`: 50 random bits each, easy to copy from paper. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    // 5 bits from each byte: 256 is a multiple of 32, so every letter is equally likely.
    const letters = [...randomBytes(10)].map((byte) => ALPHABET[byte % 32]).join('');
    return `${letters.slice(0, 5)}-${letters.slice(5)}`;
  });
}

/**
 * The stored form of a code: SHA-256 of the user and the code. 50 random bits make a slow hash
 * unnecessary against guessing, and the user in the input keeps one table of guesses from fitting
 * every account.
 */
export function hashRecoveryCode(userId: string, code: string): string {
  return createHash('sha256').update(`${userId}:${code}`, 'utf8').digest('hex');
}
