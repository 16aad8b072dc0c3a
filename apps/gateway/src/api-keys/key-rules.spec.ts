import { compileIpAllowlist, compileKeyRules, compileOriginAllowlist, NO_RULES } from './key-rules';

describe('origin allowlists', () => {
  const origins = compileOriginAllowlist([
    'https://app.example.com',
    'https://*.example.org',
    'http://localhost:3000',
  ]);

  it.each([
    'https://app.example.com',
    'HTTPS://APP.EXAMPLE.COM',
    'https://app.example.com:443',
    'https://shop.example.org',
    'https://eu.shop.example.org',
    'http://localhost:3000',
  ])('allows %s', (origin) => {
    expect(origins.allows(origin)).toBe(true);
  });

  it.each([
    // The apex of a wildcard, lookalikes and other schemes or ports.
    'https://example.org',
    'https://evil-example.org',
    'https://example.org.evil.com',
    'https://shop.example.org:8443',
    'http://shop.example.org',
    'http://app.example.com',
    'https://other.example.com',
    'http://localhost:3001',
    'null',
    '',
    'https://*.example.org',
  ])('refuses %s', (origin) => {
    expect(origins.allows(origin)).toBe(false);
  });
});

describe('IP allowlists', () => {
  const ips = compileIpAllowlist(['203.0.113.7', '198.51.100.0/24', '2001:db8::/32']);

  it.each([
    '203.0.113.7',
    '198.51.100.0',
    '198.51.100.255',
    '::ffff:198.51.100.9',
    '2001:db8::1',
    '2001:db8:ffff::',
  ])('allows %s', (ip) => {
    expect(ips.allows(ip)).toBe(true);
  });

  it.each(['203.0.113.8', '198.51.101.1', '2001:db9::1', '::1', '127.0.0.1', 'not-an-ip', ''])(
    'refuses %s',
    (ip) => {
      expect(ips.allows(ip)).toBe(false);
    },
  );
});

describe('compiled rules', () => {
  it('has no rule for empty or absent lists', () => {
    expect(compileKeyRules({})).toBe(NO_RULES);
    expect(compileKeyRules({ allowedOrigins: [], allowedIps: [], allowedChains: [] })).toBe(NO_RULES);
  });

  it('keeps the chain slugs and ids of a chain rule', () => {
    const rules = compileKeyRules({ allowedChains: ['ethereum', 'solana'], allowedChainIds: [1] });
    expect(rules.origins).toBeNull();
    expect(rules.ips).toBeNull();
    expect([...(rules.chains?.slugs ?? [])]).toEqual(['ethereum', 'solana']);
    expect(rules.chains?.chainIds.has(1)).toBe(true);
    expect(rules.chains?.chainIds.has(137)).toBe(false);
  });
});
