import { API_KEY_PATTERN, hashApiKey, isApiKeyShaped } from '@northstar/contracts';
import { createHash } from 'node:crypto';
import { generateApiKey } from './key-generator';

describe('generateApiKey', () => {
  it('makes nsk_<env>_ keys of 32 base62 characters, with their SHA-256 and 12-character prefix', () => {
    const generated = generateApiKey('live');
    expect(generated.key).toMatch(/^nsk_live_[0-9A-Za-z]{32}$/);
    expect(isApiKeyShaped(generated.key)).toBe(true);
    expect(generated.hash).toBe(createHash('sha256').update(generated.key).digest('hex'));
    expect(generated.hash).toBe(hashApiKey(generated.key));
    expect(generated.prefix).toBe(generated.key.slice(0, 12));
    expect(generateApiKey('test').key).toMatch(/^nsk_test_/);
  });

  it('never repeats a key', () => {
    const keys = new Set(Array.from({ length: 5000 }, () => generateApiKey('live').key));
    expect(keys.size).toBe(5000);
  });

  it('uses every character of the alphabet about equally often (no modulo bias)', () => {
    const counts = new Map<string, number>();
    const samples = 4000;
    for (let i = 0; i < samples; i++) {
      for (const char of generateApiKey('live').key.slice(9)) counts.set(char, (counts.get(char) ?? 0) + 1);
    }
    expect(counts.size).toBe(62);
    const expected = (samples * 32) / 62;
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(expected * 0.85);
      expect(count).toBeLessThan(expected * 1.15);
    }
  });

  it('skips the random bytes that would bias the alphabet', () => {
    // 248..255 would map onto the first 8 characters twice as often: they must be dropped.
    let call = 0;
    const random = (size: number) => Buffer.alloc(size, call++ === 0 ? 255 : 61);
    expect(generateApiKey('test', random).key).toBe(`nsk_test_${'z'.repeat(32)}`);
  });

  it('refuses what is not a key', () => {
    for (const candidate of [
      'nsk_live_short',
      'nsk_prod_' + 'a'.repeat(32),
      'sk_live_' + 'a'.repeat(32),
      'nsk_live_' + 'a'.repeat(31) + '!',
      'eyJhbGciOiJIUzI1NiJ9.e30.x',
    ]) {
      expect(API_KEY_PATTERN.test(candidate)).toBe(false);
    }
  });
});
