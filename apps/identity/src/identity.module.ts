import { Module, type DynamicModule } from '@nestjs/common';
import { OutboxMessage, OutboxModule, PostgresModule } from '@northstar/persistence';
import { RedisModule } from '@northstar/redis';
import { AccountHandler } from './account/account.handler';
import { AccountService } from './account/account.service';
import { AuthThrottle } from './auth/auth-throttle';
import { AuthHandler } from './auth/auth.handler';
import { EventTokenSealer } from '@northstar/sealing';
import { AuthService } from './auth/auth.service';
import { SignIn } from './auth/sign-in';
import { IdentityConfig } from './config';
import { identityMigrations } from './migrations';
import { MfaChallenges } from './mfa/mfa-challenges';
import { MfaHandler } from './mfa/mfa.handler';
import { MfaRepository } from './mfa/mfa.repository';
import { MfaService } from './mfa/mfa.service';
import { RecoveryCode, TotpCredential } from './mfa/totp-credential.entity';
import { TotpSecretSealer } from './mfa/totp-secret.sealer';
import { Clock } from './security/clock';
import { OidcClients } from './oidc/oidc-clients';
import { OidcFlows } from './oidc/oidc-flows';
import { OidcHandler } from './oidc/oidc.handler';
import { OidcService } from './oidc/oidc.service';
import { UserIdentity } from './oidc/user-identity.entity';
import { UserIdentityRepository } from './oidc/user-identity.repository';
import { AccessTokenSigner } from './security/access-token.signer';
import { PasswordHasher } from './security/password-hasher';
import { PlatformRoles } from './security/platform-roles';
import { SessionIssuer } from './sessions/session-issuer';
import { SessionRevocations } from './sessions/session-revocations';
import { SessionHandler } from './sessions/session.handler';
import { Session, UsedRefreshToken } from './sessions/session.entity';
import { SessionRepository } from './sessions/session.repository';
import { UserDirectoryService } from './users/user-directory.service';
import { UserToken } from './users/user-token.entity';
import { UserTokenRepository } from './users/user-token.repository';
import { User } from './users/user.entity';
import { UserHandler } from './users/user.handler';
import { UserRepository } from './users/user.repository';

export const IDENTITY_SCHEMA = 'identity';
export const identityEntities = [
  User,
  UserToken,
  Session,
  UsedRefreshToken,
  TotpCredential,
  RecoveryCode,
  UserIdentity,
  OutboxMessage,
];

/**
 * Users, credentials (passwords, authenticator apps), sessions (refresh-token families), email
 * verification, password reset and single sign-on (OpenID Connect).
 */
@Module({})
export class IdentityModule {
  static forConfig(config: IdentityConfig): DynamicModule {
    return {
      module: IdentityModule,
      imports: [
        PostgresModule.forService({
          url: config.DATABASE_URL,
          schema: IDENTITY_SCHEMA,
          entities: identityEntities,
          migrations: identityMigrations,
        }),
        RedisModule.forRoot({ url: config.REDIS_URL, name: 'identity' }),
        OutboxModule.forService({ relayIntervalMs: config.IDENTITY_OUTBOX_RELAY_INTERVAL_MS }),
      ],
      controllers: [AuthHandler, AccountHandler, SessionHandler, UserHandler, MfaHandler, OidcHandler],
      providers: [
        { provide: IdentityConfig, useValue: config },
        { provide: EventTokenSealer, useValue: new EventTokenSealer(config.EVENT_TOKENS_KEY) },
        { provide: TotpSecretSealer, useValue: new TotpSecretSealer(config.MFA_SECRETS_KEY) },
        Clock,
        MfaRepository,
        MfaChallenges,
        MfaService,
        UserRepository,
        UserTokenRepository,
        SessionRepository,
        PasswordHasher,
        AccessTokenSigner,
        PlatformRoles,
        AuthThrottle,
        SessionIssuer,
        SessionRevocations,
        AuthService,
        SignIn,
        AccountService,
        UserDirectoryService,
        UserIdentityRepository,
        OidcClients,
        OidcFlows,
        OidcService,
      ],
    };
  }
}
