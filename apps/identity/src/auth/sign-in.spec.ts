import type { MfaChallenges } from '../mfa/mfa-challenges';
import type { PlatformRoles } from '../security/platform-roles';
import type { SessionIssuer } from '../sessions/session-issuer';
import { User } from '../users/user.entity';
import { isSession, SignIn } from './sign-in';

const client = { ip: '192.0.2.1' };

function signInWith(): {
  signIn: SignIn;
  opened: string[];
  /** The provider each session was opened with (`mfaVia`). */
  via: (string | null)[];
  challenged: { userId: string; method: string }[];
} {
  const opened: string[] = [];
  const via: (string | null)[] = [];
  const challenged: { userId: string; method: string }[] = [];
  const issuer = {
    open: async (user: User, _client: unknown, mfaVia: string | null) => {
      opened.push(user.id);
      via.push(mfaVia);
      return { accessToken: 'access', refreshToken: 'refresh', expiresIn: 900 };
    },
  } as unknown as SessionIssuer;
  const challenges = {
    issue: async (challenge: { userId: string; method: string }) => {
      challenged.push(challenge);
      return { mfaRequired: true as const, mfaToken: 'mfa', expiresIn: 300 };
    },
  } as unknown as MfaChallenges;
  const roles = { roleOf: () => 'user' } as unknown as PlatformRoles;
  return { signIn: new SignIn(issuer, roles, challenges), opened, via, challenged };
}

function user(mfaEnabled: boolean): User {
  return Object.assign(new User(), { email: 'ada@example.com', name: 'Ada', passwordHash: 'x', mfaEnabled });
}

describe('SignIn.complete, the last step of every way in', () => {
  it('opens a session for a user without two factors, whatever the way in', async () => {
    const { signIn, opened, challenged } = signInWith();
    const answer = await signIn.complete(user(false), client, { method: 'oidc:google' });
    expect(isSession(answer)).toBe(true);
    expect(opened).toHaveLength(1);
    expect(challenged).toEqual([]);
  });

  it('owes a second factor for a user with two factors on, recording how the first was proved', async () => {
    const { signIn, opened, challenged } = signInWith();
    const someone = user(true);
    for (const method of ['password', 'oidc:github']) {
      const answer = await signIn.complete(someone, client, { method, secondFactor: false });
      expect(answer).toEqual({ mfaRequired: true, mfaToken: 'mfa', expiresIn: 300 });
    }
    expect(opened).toEqual([]);
    expect(challenged).toEqual([
      { userId: someone.id, method: 'password' },
      { userId: someone.id, method: 'oidc:github' },
    ]);
  });

  it('opens the session when the second factor was already checked (a trusted provider, or our code)', async () => {
    const { signIn, opened } = signInWith();
    const answer = await signIn.complete(user(true), client, { method: 'oidc:corp', secondFactor: true });
    expect(answer).toMatchObject({ accessToken: 'access', user: { mfaEnabled: true } });
    expect(opened).toHaveLength(1);
  });

  it('records the provider of a single sign-on on the session, for organisations that trust its MFA', async () => {
    const { signIn, via } = signInWith();
    await signIn.complete(user(false), client, { method: 'oidc:corp' });
    await signIn.complete(user(false), client, { method: 'password' });
    // The second step of a sign-in that began at a provider keeps the provider.
    await signIn.complete(user(true), client, { method: 'oidc:okta', secondFactor: true });
    expect(via).toEqual(['oidc:corp', null, 'oidc:okta']);
  });
});
