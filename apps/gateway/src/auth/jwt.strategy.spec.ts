import type { AccessTokenClaims } from '@northstar/contracts';
import { UserJwtStrategy } from './jwt.strategy';

const claims: AccessTokenClaims = {
  sub: '7b0f8f9e-5d8e-4a43-9b55-1c3f0d2a9e11',
  sid: 'c1d4f1b2-8f7e-4d0a-9d7b-2a6e5f4c3b21',
  email: 'ada@example.com',
  role: 'user',
};

describe('UserJwtStrategy.validate', () => {
  const strategy = new UserJwtStrategy('a-test-secret-of-enough-length-for-hs256');

  it('passes on the provider that signed the session in, and nothing for a password sign-in', () => {
    expect(strategy.validate({ ...claims, mfa: false, mfaVia: 'oidc:corp' })).toMatchObject({
      userId: claims.sub,
      mfa: false,
      mfaVia: 'oidc:corp',
    });
    expect(strategy.validate({ ...claims, mfa: true })).not.toHaveProperty('mfaVia');
  });

  it('refuses a token whose mfaVia identity did not mint (not `oidc:<provider id>`)', () => {
    for (const mfaVia of ['corp', 'oidc:', 'oidc:Corp', 'password', 42]) {
      expect(strategy.validate({ ...claims, mfaVia } as never)).toBe(false);
    }
  });
});
