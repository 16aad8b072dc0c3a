import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { postgresOptions, type PostgresSchemaOptions } from './postgres-options';

/**
 * The explicit migrate step: creates the service's schema if needed, applies pending migrations in
 * one transaction, then runs the (idempotent) seed. `npm start`, the test set-up and the deployment's
 * migrate job call it; a serving process never migrates on its own.
 */
export async function migratePostgres(
  options: PostgresSchemaOptions,
  seed?: (em: EntityManager) => Promise<void>,
): Promise<string[]> {
  const orm = await MikroORM.init(postgresOptions(options));
  try {
    await orm.em.getConnection().execute(`create schema if not exists "${options.schema}"`);
    const applied = await orm.getMigrator().up();
    if (seed) await orm.em.fork().transactional((em) => seed(em));
    return applied.map((migration) => migration.name);
  } finally {
    await orm.close(true);
  }
}
