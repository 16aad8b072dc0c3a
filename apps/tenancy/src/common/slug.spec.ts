import { SLUG_PATTERN } from '@northstar/contracts';
import { firstFreeSlug, slugify } from './slug';

describe('slugs derived from names', () => {
  it.each([
    ['Acme Inc', 'acme-inc'],
    ['  Café Olé!  ', 'cafe-ole'],
    ['ACME -- Web3 Labs', 'acme-web3-labs'],
    ['Zürich Ünïcode GmbH', 'zurich-unicode-gmbh'],
    ['日本の会社', 'org'],
    ['A', 'org'],
    ['---', 'org'],
  ])('%j → %j', (name, slug) => {
    expect(slugify(name, 'org')).toBe(slug);
  });

  it('keeps derived slugs valid and short enough for a suffix', () => {
    const slug = slugify(`${'Very long name '.repeat(10)}`, 'org');
    expect(slug).toMatch(SLUG_PATTERN);
    expect(slug.length).toBeLessThanOrEqual(40);
    expect(slug.endsWith('-')).toBe(false);
    expect(`${slug}-1000`).toMatch(SLUG_PATTERN);
  });

  it('takes the first free suffix', () => {
    expect(firstFreeSlug('acme', [])).toBe('acme');
    expect(firstFreeSlug('acme', ['acme'])).toBe('acme-2');
    expect(firstFreeSlug('acme', ['acme', 'acme-2', 'acme-4'])).toBe('acme-3');
  });
});
