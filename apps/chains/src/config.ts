import { ServiceConfig, WithPostgres, WithRedis } from '@northstar/config';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

export class ChainsConfig extends WithRedis(WithPostgres(ServiceConfig)) {
  override OPS_PORT = 3104;

  /** Backstop expiry of the cached catalog; every change invalidates it at once anyway. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86_400)
  CHAINS_CACHE_TTL_SECONDS = 300;
}
