import type { AuthenticatedKey } from './key-verifier';
import { compileKeyRules } from './key-rules';
import { freeRefusal } from './verify-codes';

function key(overrides: Partial<AuthenticatedKey> & { lists?: Parameters<typeof compileKeyRules>[0] } = {}) {
  const { lists, ...rest } = overrides;
  const authenticated: AuthenticatedKey = {
    keyId: 'k',
    orgId: 'o',
    projectId: 'p',
    scopes: ['rpc'],
    rateLimit: null,
    rules: compileKeyRules(lists ?? {}),
    ...rest,
  };
  return { ok: true as const, key: authenticated };
}

const everywhere = { chain: 'ethereum', origin: 'https://app.example.com', ip: '203.0.113.7' };

describe('the code of a verification, before anything is spent', () => {
  it('names the refusal of an unusable key', () => {
    expect(freeRefusal({ ok: false, refusal: 'malformed' }, everywhere)).toBe('NOT_FOUND');
    expect(freeRefusal({ ok: false, refusal: 'unknown' }, everywhere)).toBe('NOT_FOUND');
    expect(freeRefusal({ ok: false, refusal: 'revoked' }, everywhere)).toBe('REVOKED');
    expect(freeRefusal({ ok: false, refusal: 'expired' }, everywhere)).toBe('EXPIRED');
  });

  it('lets a key with rpc and no allowlists through', () => {
    expect(freeRefusal(key(), {})).toBeNull();
    expect(freeRefusal(key(), everywhere)).toBeNull();
  });

  it('checks the scope, then chain, origin and address, in that order', () => {
    const bound = {
      allowedChains: ['polygon'],
      allowedOrigins: ['https://*.example.org'],
      allowedIps: ['198.51.100.0/24'],
    };
    expect(freeRefusal(key({ scopes: ['events:write'], lists: bound }), everywhere)).toBe('SCOPE_MISSING');
    expect(freeRefusal(key({ lists: bound }), everywhere)).toBe('CHAIN_NOT_ALLOWED');
    expect(freeRefusal(key({ lists: bound }), { ...everywhere, chain: 'polygon' })).toBe(
      'ORIGIN_NOT_ALLOWED',
    );
    expect(
      freeRefusal(key({ lists: bound }), {
        ...everywhere,
        chain: 'polygon',
        origin: 'https://a.example.org',
      }),
    ).toBe('IP_NOT_ALLOWED');
    expect(
      freeRefusal(key({ lists: bound }), {
        chain: 'polygon',
        origin: 'https://a.example.org',
        ip: '198.51.100.9',
      }),
    ).toBeNull();
  });

  it('refuses a call that does not say the detail an allowlist needs', () => {
    expect(freeRefusal(key({ lists: { allowedChains: ['ethereum'] } }), {})).toBe('CHAIN_NOT_ALLOWED');
    expect(freeRefusal(key({ lists: { allowedOrigins: ['https://a.example.com'] } }), {})).toBe(
      'ORIGIN_NOT_ALLOWED',
    );
    expect(freeRefusal(key({ lists: { allowedIps: ['10.0.0.0/8'] } }), {})).toBe('IP_NOT_ALLOWED');
  });
});
