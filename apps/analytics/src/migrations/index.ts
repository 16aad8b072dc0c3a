import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261207020000CreateDashboards } from './Migration20261207020000CreateDashboards';

/** In order of application; a new migration is appended, never inserted. */
export const analyticsPostgresMigrations: MigrationObject[] = [
  { name: 'Migration20261207020000CreateDashboards', class: Migration20261207020000CreateDashboards },
];
