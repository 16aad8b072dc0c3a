import { Secret, WithRedis } from '@northstar/config';
import { Type } from 'class-transformer';
import { IsInt, IsString, Max, Min, ValidateBy } from 'class-validator';
import { DEVELOPMENT_VERIFY_TOKEN, verifyTokensProblem } from './verify-tokens';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Constructor<T = object> = new (...args: any[]) => T;

/**
 * The gateway settings of API-key authentication, as a mixin of the gateway's config class:
 * `class GatewayConfig extends WithApiKeys(WithRedis(BaseConfig))`.
 */
export function WithApiKeys<B extends Constructor>(Base: B) {
  class ApiKeySettings extends Base {
    /**
     * Longest a Redis command of key verification, rate limits and credits may take before the gateway
     * goes on without it (rate limits: not applied; credits: 503): Redis is sub-millisecond, so a slow
     * answer means trouble, not work.
     */
    @Type(() => Number)
    @IsInt()
    @Min(50)
    @Max(10_000)
    API_KEY_REDIS_TIMEOUT_MS = 500;

    /** Backstop expiry of a key in a gateway's memory; revocations and changes drop it at once anyway. */
    @Type(() => Number)
    @IsInt()
    @Min(1)
    @Max(300)
    API_KEY_CACHE_TTL_SECONDS = 30;

    /** How long an unknown key is remembered as unknown, to blunt floods of made-up keys. */
    @Type(() => Number)
    @IsInt()
    @Min(1)
    @Max(60)
    API_KEY_NEGATIVE_CACHE_TTL_SECONDS = 5;

    @Type(() => Number)
    @IsInt()
    @Min(100)
    @Max(10_000_000)
    API_KEY_CACHE_MAX_ENTRIES = 100_000;

    /** Failed or missing API keys one client address may present per minute before it gets 429. */
    @Type(() => Number)
    @IsInt()
    @Min(1)
    @Max(100_000)
    API_KEY_FAILED_ATTEMPTS_PER_MINUTE = 60;

    /** How often the counted requests per key are sent to the keys service. */
    @Type(() => Number)
    @IsInt()
    @Min(100)
    @Max(60_000)
    API_KEY_USAGE_FLUSH_MS = 5000;

    /**
     * Service tokens of the operator's RPC proxies, comma-separated: `POST /v1/keys/verify` takes
     * `Authorization: Bearer <one of them>`. Several at once let a token be replaced without downtime.
     */
    @Secret()
    @IsString()
    @ValidateBy({
      name: 'verifyTokens',
      validator: {
        validate: (value, args) =>
          verifyTokensProblem(value, (args?.object as { NODE_ENV?: string } | undefined)?.NODE_ENV) === null,
        defaultMessage: (args) =>
          `VERIFY_TOKENS: ${verifyTokensProblem(args?.value, (args?.object as { NODE_ENV?: string } | undefined)?.NODE_ENV)}`,
      },
    })
    VERIFY_TOKENS = DEVELOPMENT_VERIFY_TOKEN;
  }
  return ApiKeySettings;
}

/** What API-key authentication reads from the gateway's configuration. */
export class ApiKeysSettings extends WithApiKeys(WithRedis(class {})) {}

/**
 * The settings out of the gateway's validated configuration: each field it carries, the default of
 * the others. (The gateway's config class validates them once it includes WithApiKeys/WithRedis.)
 */
export function apiKeysSettingsOf(config: object): ApiKeysSettings {
  const settings = new ApiKeysSettings();
  const given = config as Partial<Record<keyof ApiKeysSettings, unknown>>;
  for (const field of Object.keys(settings) as (keyof ApiKeysSettings)[]) {
    const value = given[field];
    if (value !== undefined && typeof value === typeof settings[field])
      Object.assign(settings, { [field]: value });
  }
  return settings;
}
