import {
  Global,
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ReadinessService } from '@northstar/observability';
import { createClickHouse, type ClickHouseClient, type ClickHouseConnection } from './clickhouse-client';
import type { ClickHouseTopology } from './cluster-schema';

export const CLICKHOUSE = Symbol('CLICKHOUSE');
/** A ClickHouseTopology: the database, and the cluster when ClickHouse runs as one (see alterTarget). */
export const CLICKHOUSE_TOPOLOGY = Symbol('CLICKHOUSE_TOPOLOGY');

class ClickHouseLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(CLICKHOUSE) private readonly client: ClickHouseClient,
    private readonly readiness: ReadinessService,
  ) {}

  onModuleInit(): void {
    this.readiness.register('clickhouse', async () => {
      const result = await this.client.ping();
      if (!result.success) throw result.error;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

@Global()
@Module({})
export class ClickHouseModule {
  static forRoot(connection: ClickHouseConnection): DynamicModule {
    return {
      module: ClickHouseModule,
      providers: [
        { provide: CLICKHOUSE, useFactory: () => createClickHouse(connection) },
        {
          provide: CLICKHOUSE_TOPOLOGY,
          useValue: {
            database: connection.database,
            cluster: connection.cluster || null,
          } satisfies ClickHouseTopology,
        },
        ClickHouseLifecycle,
      ],
      exports: [CLICKHOUSE, CLICKHOUSE_TOPOLOGY],
    };
  }
}
