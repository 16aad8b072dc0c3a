import { BaseConfig, Secret, WithEventStream, WithRedis } from '@northstar/config';
import { DEVELOPMENT_JWT_SECRET } from '@northstar/contracts';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import { WithApiKeys } from './api-keys/api-keys.settings';
import { corsOriginsProblem } from './http/cors-origins';
import { parseTrustProxy, trustProxyProblem, type TrustProxy } from './http/trust-proxy';

export class GatewayConfig extends WithEventStream(WithApiKeys(WithRedis(BaseConfig))) {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  /** The ops listener (/health, /ready, /metrics), on OPS_HOST; 0 picks a free port. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  OPS_PORT = 3100;

  /** Where the ops listener listens: loopback unless probes come from elsewhere (Kubernetes: 0.0.0.0). */
  @IsString()
  OPS_HOST = '127.0.0.1';

  /**
   * Whether /ready and /metrics are also served on the public port (/health always is). Default: not
   * in production, where they stay on the ops port, out of the internet's reach.
   */
  // The raw text: implicit conversion would already have made "false" true.
  @Transform(({ obj, key }: { obj: Record<string, unknown>; key: string }) => {
    const raw = obj[key];
    return raw === undefined || raw === '' ? undefined : raw === true || raw === 'true';
  })
  @IsOptional()
  @IsBoolean()
  PUBLIC_OPS_ENDPOINTS?: boolean = undefined;

  /**
   * Origins whose pages may call the dashboard routes: comma-separated, as browsers send them
   * (`https://app.example.com`), or `*` (any) outside production. The ingestion routes have their own
   * CORS, open or per key (ingest-http.ts, ApiKeyAdmission).
   */
  @IsString()
  @ValidateBy({
    name: 'corsOrigins',
    validator: {
      validate: (value, args) =>
        corsOriginsProblem(value, (args?.object as GatewayConfig | undefined)?.NODE_ENV === 'production') ===
        null,
      defaultMessage: (args) =>
        `CORS_ORIGINS: ${corsOriginsProblem(args?.value, (args?.object as GatewayConfig | undefined)?.NODE_ENV === 'production')}`,
    },
  })
  CORS_ORIGINS = '*';

  /** Largest accepted request body, after decompression. */
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  BODY_LIMIT_BYTES = 1024 * 1024;

  /**
   * Whose X-Forwarded-For to believe, to see the client's address behind a proxy: `false`, the hop
   * count of proxies in front, or their addresses / CIDR ranges, comma-separated. `true` (anyone's)
   * only outside production.
   */
  @Transform(({ value }) => parseTrustProxy(value))
  @ValidateBy({
    name: 'trustProxy',
    validator: {
      validate: (value, args) =>
        trustProxyProblem(value, (args?.object as GatewayConfig | undefined)?.NODE_ENV === 'production') ===
        null,
      defaultMessage: (args) =>
        `TRUST_PROXY: ${trustProxyProblem(args?.value, (args?.object as GatewayConfig | undefined)?.NODE_ENV === 'production')}`,
    },
  })
  TRUST_PROXY: TrustProxy = false;

  /** How long /v1/system/info waits for each service's ping. */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  SYSTEM_PING_TIMEOUT_MS = 1500;

  /** Analytics queries one caller (a user or an API key) may make a minute, across gateways. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  ANALYTICS_REQUESTS_PER_MINUTE = 300;

  /**
   * Reads of one shared dashboard link a minute, and reads of shared links from one client address a
   * minute, across gateways: a leaked link (or one guessing client) cannot keep ClickHouse busy.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  SHARED_DASHBOARD_REQUESTS_PER_MINUTE = 60;

  /** How long one answer of /v1/system/info (public) serves every caller. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60_000)
  SYSTEM_INFO_CACHE_MS = 5000;

  /**
   * How long an ingestion request waits for JetStream to acknowledge its events before answering 503
   * (the SDK retries; the duplicate window drops what was stored meanwhile).
   */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60_000)
  EVENTS_PUBLISH_TIMEOUT_MS = 5000;

  /**
   * Percent over an organisation's monthly event quota still accepted before ingestion answers 429
   * `quota-exceeded`: counts are shared between gateways once a second, and a burst at the limit
   * should not lose events to that lag.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000)
  QUOTA_GRACE_PERCENT = 10;

  /** How often a gateway adds its event counts to the shared quota counters in Redis and reads theirs. */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(60_000)
  QUOTA_SYNC_MS = 1000;

  /**
   * How often the quota counters are checked against the events ClickHouse holds (a counter Redis lost
   * is raised to the stored count).
   */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(86_400_000)
  QUOTA_RECONCILE_MS = 300_000;

  /** How long a gateway keeps an organisation's plan before asking tenancy again (changes also drop it). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  PLAN_CACHE_TTL_SECONDS = 60;

  /**
   * How long a gateway trusts a session identity confirmed active before asking again. Revocations are
   * broadcast and bite at once; this bounds how long one that a gateway missed (disconnected, started
   * late) keeps the session's access tokens working. Each session costs one bus request per gateway
   * per period.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(300)
  SESSION_RECHECK_SECONDS = 30;

  /** Verifies users' access tokens; must be identity's JWT_SECRET. */
  @Secret()
  @IsString()
  @MinLength(16)
  JWT_SECRET: string = DEVELOPMENT_JWT_SECRET;

  /**
   * The console's origin (`https://app.example.com`): where single sign-on lands after the provider,
   * with its one-time code. Empty: this gateway's own origin, as the request reached it.
   */
  @ValidateIf((config: GatewayConfig) => config.PUBLIC_URL !== '')
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  PUBLIC_URL = '';

  /**
   * This gateway's public origin (`https://api.example.com`), for the single sign-on callback URL that
   * providers send users back to (register `<PUBLIC_API_URL>/v1/auth/oidc/<id>/callback` with each).
   * Empty: the origin of the request, which behind a proxy needs TRUST_PROXY to see the right scheme.
   */
  @ValidateIf((config: GatewayConfig) => config.PUBLIC_API_URL !== '')
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  PUBLIC_API_URL = '';
}
