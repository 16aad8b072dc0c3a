import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000000CreateChains } from './Migration20261122000000CreateChains';
import { Migration20261205000000CreateChainAudit } from './Migration20261205000000CreateChainAudit';

/** In order of application; a new migration is appended, never inserted. */
export const chainsMigrations: MigrationObject[] = [
  { name: 'Migration20261122000000CreateChains', class: Migration20261122000000CreateChains },
  { name: 'Migration20261205000000CreateChainAudit', class: Migration20261205000000CreateChainAudit },
];
