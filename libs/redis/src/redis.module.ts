import {
  Global,
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ReadinessService } from '@northstar/observability';
import { Redis } from 'ioredis';

export const REDIS = Symbol('REDIS');

export function createRedis(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    // Fail a command quickly when Redis is away: callers treat the cache as optional.
    maxRetriesPerRequest: 2,
  });
}

class RedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly readiness: ReadinessService,
  ) {}

  onModuleInit(): void {
    this.readiness.register('redis', () => this.redis.ping());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

@Global()
@Module({})
export class RedisModule {
  static forRoot(options: { url: string; name: string }): DynamicModule {
    return {
      module: RedisModule,
      providers: [
        { provide: REDIS, useFactory: () => createRedis(options.url, options.name) },
        RedisLifecycle,
      ],
      exports: [REDIS],
    };
  }
}
