import {
  ReflectMetadataProvider,
  type EntityClass,
  type MigrationObject,
  type Options,
} from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, type PostgreSqlDriver } from '@mikro-orm/postgresql';

export interface PostgresSchemaOptions {
  /** `postgresql://user:pass@host:port/db` */
  url: string;
  /** The schema this service owns; no other service reads it. */
  schema: string;
  entities: EntityClass<unknown>[];
  /** Listed explicitly so that compiled, ts-jest and bundled builds all find them without globbing. */
  migrations: MigrationObject[];
  debug?: boolean;
}

export function postgresOptions(options: PostgresSchemaOptions): Options<PostgreSqlDriver> {
  return defineConfig({
    clientUrl: options.url,
    schema: options.schema,
    entities: options.entities,
    // The reflect-metadata provider works for compiled JS and ts-jest alike (ts-morph fails on JS).
    metadataProvider: ReflectMetadataProvider,
    discovery: { disableDynamicFileAccess: true },
    extensions: [Migrator],
    migrations: {
      tableName: `${options.schema}.mikro_orm_migrations`,
      migrationsList: options.migrations,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
    },
    // Forces every handler to run in its own request context: the global EntityManager is off limits.
    allowGlobalContext: false,
    pool: { min: 0, max: 10 },
    debug: options.debug ?? false,
  });
}
