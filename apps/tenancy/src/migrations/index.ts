import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123000000CreateTenancy } from './Migration20261123000000CreateTenancy';

/** In order of application; a new migration is appended, never inserted. */
export const tenancyMigrations: MigrationObject[] = [
  { name: 'Migration20261123000000CreateTenancy', class: Migration20261123000000CreateTenancy },
];
