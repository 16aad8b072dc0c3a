import { ServiceConfig, WithEventTokens, WithPostgres, WithRedis } from '@northstar/config';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

export class TenancyConfig extends WithEventTokens(WithRedis(WithPostgres(ServiceConfig))) {
  override OPS_PORT = 3102;

  /**
   * Backstop expiry of cached access decisions (membership and project lookups). Every membership
   * change and deletion invalidates them at once; the expiry only bounds what a Redis hiccup during
   * an invalidation could leave behind.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  TENANCY_ACCESS_CACHE_TTL_SECONDS = 60;

  /** How often the outbox relay retries durable events whose publication failed at first. */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(600_000)
  TENANCY_OUTBOX_RELAY_INTERVAL_MS = 5000;

  /** Invitations one user may send in any hour, over all organisations; then 429. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  INVITATIONS_PER_USER_PER_HOUR = 50;

  /** Invitations one organisation's admins may send together in any hour; then 429. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  INVITATIONS_PER_ORG_PER_HOUR = 200;
}
