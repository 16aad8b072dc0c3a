import { Secret, ServiceConfig, WithPostgres, WithRedis } from '@northstar/config';
import { API_KEY_ENVIRONMENTS, type ApiKeyEnvironment } from '@northstar/contracts';
import { Type } from 'class-transformer';
import { IsIn, IsInt, Max, Min } from 'class-validator';

export class KeysConfig extends WithRedis(WithPostgres(ServiceConfig)) {
  override OPS_PORT = 3103;

  /**
   * The `<env>` of the keys this deployment issues (`nsk_live_…` or `nsk_test_…`). Development
   * issues test keys; production must say which it is.
   */
  @Secret()
  @IsIn(API_KEY_ENVIRONMENTS)
  KEYS_ENVIRONMENT: ApiKeyEnvironment = 'test';

  /**
   * Lifetime of a key's verification record in Redis. Every change rewrites the record at once; the
   * expiry only bounds a record left stale because Redis refused that write.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  KEYS_VERIFICATION_CACHE_TTL_SECONDS = 60;
}
