import type { Outbox, OutboxRepository, Transactions } from '@northstar/persistence';
import { EventTokenSealer } from '@northstar/sealing';
import type { PasswordHasher } from '../security/password-hasher';
import type { PlatformRoles } from '../security/platform-roles';
import type { SessionIssuer } from '../sessions/session-issuer';
import type { SessionRevocations } from '../sessions/session-revocations';
import type { SessionRepository } from '../sessions/session.repository';
import type { UserTokenRepository } from '../users/user-token.repository';
import type { UserRepository } from '../users/user.repository';
import type { AuthThrottle } from './auth-throttle';
import { AuthService } from './auth.service';
import type { SignIn } from './sign-in';

describe('AuthService.forgotPassword', () => {
  it('answers without waiting for the reset email of a real account, so both answers take as long', async () => {
    let emailWorkStarted = false;
    const never = new Promise<boolean>(() => undefined);
    const service = new AuthService(
      { findByEmail: async () => ({ id: 'u1', email: 'a@b.test', name: 'A' }) } as unknown as UserRepository,
      {} as UserTokenRepository,
      {} as SessionRepository,
      {} as SessionIssuer,
      {} as SessionRevocations,
      {} as PasswordHasher,
      {
        hitIp: async () => undefined,
        // The reset email's own work (throttle, token, event) never finishes here.
        allowResetEmail: () => {
          emailWorkStarted = true;
          return never;
        },
      } as unknown as AuthThrottle,
      {} as PlatformRoles,
      {} as OutboxRepository,
      {} as Outbox,
      {} as Transactions,
      new EventTokenSealer('a key of at least thirty-two characters'),
      {} as SignIn,
    );
    await expect(
      service.forgotPassword({ email: 'A@b.test', client: { ip: '192.0.2.1' } }),
    ).resolves.toBeUndefined();
    expect(emailWorkStarted).toBe(true);
  });
});
