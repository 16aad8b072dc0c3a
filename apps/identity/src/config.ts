import { Secret, ServiceConfig, WithEventTokens, WithPostgres, WithRedis } from '@northstar/config';
import { DEVELOPMENT_JWT_SECRET } from '@northstar/contracts';
import { Type } from 'class-transformer';
import { IsInt, IsString, Max, Min, MinLength, ValidateBy } from 'class-validator';
import { parseOidcProviders } from './oidc/oidc-settings';

function oidcProblem(config: IdentityConfig | undefined): string | null {
  if (!config) return null;
  const parsed = parseOidcProviders(config.OIDC_PROVIDERS, config.OIDC_CLIENT_SECRETS);
  return 'problem' in parsed ? parsed.problem : null;
}

/** The development value of MFA_SECRETS_KEY (refused in production), also used by the tests. */
export const DEVELOPMENT_MFA_SECRETS_KEY = 'northstar-development-mfa-secrets-key-not-secret';

export class IdentityConfig extends WithEventTokens(WithRedis(WithPostgres(ServiceConfig))) {
  override OPS_PORT = 3101;

  /** HS256 key of the access tokens; the gateway verifies them with the same value. */
  @Secret()
  @IsString()
  @MinLength(16)
  JWT_SECRET: string = DEVELOPMENT_JWT_SECRET;

  /**
   * Seals the authenticator (TOTP) secrets at rest (AES-256-GCM, key derived from it): a copy of the
   * database alone yields no usable secret. Changing it voids every enrolment.
   */
  @Secret()
  @IsString()
  @MinLength(32)
  MFA_SECRETS_KEY = DEVELOPMENT_MFA_SECRETS_KEY;

  /** Comma-separated emails (any case) of the platform admins: they get the `admin` role. */
  @IsString()
  NORTHSTAR_ADMIN_EMAILS = '';

  /** Auth requests one client IP may make in any 60 seconds (API.md promises at least 100). */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(100_000)
  AUTH_IP_LIMIT_PER_MINUTE = 300;

  /** How often the outbox relay retries durable events whose publication failed at first. */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(600_000)
  IDENTITY_OUTBOX_RELAY_INTERVAL_MS = 5000;

  /**
   * Single sign-on providers (OpenID Connect), a JSON array: `[{ "id": "google", "name": "Google",
   * "issuer": "https://accounts.google.com", "clientId": "…", "scopes": "openid email profile",
   * "trustMfa": false }]`. Empty: no single sign-on. See docs/accounts.md.
   */
  @IsString()
  @ValidateBy({
    name: 'oidcProviders',
    validator: {
      validate: (_value, args) => oidcProblem(args?.object as IdentityConfig | undefined) === null,
      defaultMessage: (args) => `${oidcProblem(args?.object as IdentityConfig | undefined) ?? ''}`,
    },
  })
  OIDC_PROVIDERS = '';

  /**
   * The client secrets of those providers, a JSON object by provider id: `{ "google": "…" }`. Secret,
   * but not @Secret: that would make it mandatory in production, and single sign-on is optional; a
   * provider without one is a public client (PKCE alone).
   */
  @IsString()
  OIDC_CLIENT_SECRETS = '';

  /** How long a sign-in begun at a provider may take before its state expires. */
  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(3600)
  OIDC_STATE_TTL_SECONDS = 600;
}
