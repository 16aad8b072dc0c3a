import { Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { ReadinessService } from '@northstar/observability';
import { postgresOptions, type PostgresSchemaOptions } from './postgres-options';

class PostgresReadiness implements OnModuleInit {
  constructor(
    private readonly orm: MikroORM,
    private readonly readiness: ReadinessService,
    private readonly schema: string,
  ) {}

  onModuleInit(): void {
    // Reads the service's own migration table: proves the connection and that the schema was migrated.
    this.readiness.register('postgres', () =>
      this.orm.em.getConnection().execute(`select 1 from "${this.schema}".mikro_orm_migrations limit 1`),
    );
  }
}

/** MikroORM on the service's own PostgreSQL schema, with its readiness check. */
@Module({})
export class PostgresModule {
  static forService(options: PostgresSchemaOptions): DynamicModule {
    return {
      module: PostgresModule,
      imports: [MikroOrmModule.forRoot(postgresOptions(options))],
      providers: [
        {
          provide: PostgresReadiness,
          inject: [MikroORM, ReadinessService],
          useFactory: (orm: MikroORM, readiness: ReadinessService) =>
            new PostgresReadiness(orm, readiness, options.schema),
        },
      ],
    };
  }
}
