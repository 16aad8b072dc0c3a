import { assertOneSlot, hashTagOf } from './hash-tag';

describe('hashTagOf', () => {
  it('reads the tag as Redis Cluster does', () => {
    expect(hashTagOf('identity:login:{abc}:lock')).toBe('abc');
    expect(hashTagOf('plain:key')).toBe('plain:key');
    // An empty tag, or a `{` without its `}`, hashes the whole key.
    expect(hashTagOf('a:{}:b')).toBe('a:{}:b');
    expect(hashTagOf('a:{b')).toBe('a:{b');
    // Only the first tag counts.
    expect(hashTagOf('{x}{y}')).toBe('x');
  });
});

describe('assertOneSlot', () => {
  it('accepts keys of one tag, and one key alone', () => {
    expect(() => assertOneSlot(['t:{org-1}:user', 't:{org-1}:org'])).not.toThrow();
    expect(() => assertOneSlot(['t:user:1'])).not.toThrow();
  });

  it('refuses keys that would land in different slots of a cluster', () => {
    expect(() => assertOneSlot(['t:user:1', 't:org:1'])).toThrow(/hash tag/);
  });
});
