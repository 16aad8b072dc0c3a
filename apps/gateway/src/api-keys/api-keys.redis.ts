import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';

/** The gateway's Redis connection for key verification and rate limits. */
export const API_KEYS_REDIS = Symbol('API_KEYS_REDIS');

/**
 * Redis helps authentication but must never stall it: no offline queue (a command fails at once
 * while disconnected) and a short command timeout. Callers then go on without Redis: verification
 * asks the keys service, rate limits let the request through.
 */
export function createApiKeysRedis(url: string, commandTimeoutMs: number): Redis {
  const redis = new Redis(url, {
    connectionName: 'gateway-api-keys',
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
  });
  // ioredis reconnects by itself; say so in the log now and then rather than on every attempt.
  const logger = new Logger('ApiKeysRedis');
  let lastWarning = 0;
  redis.on('error', (error: Error) => {
    if (Date.now() - lastWarning < 30_000) return;
    lastWarning = Date.now();
    logger.warn(
      `Redis unavailable (keys are verified over the bus, rate limits are not applied): ${error.message}`,
    );
  });
  return redis;
}

@Injectable()
export class ApiKeysRedisCloser implements OnApplicationShutdown {
  constructor(@Inject(API_KEYS_REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
