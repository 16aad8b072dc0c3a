import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123000000CreateTenancy } from './Migration20261123000000CreateTenancy';
import { Migration20261205200000RequireMfa } from './Migration20261205200000RequireMfa';
import { Migration20261206100000TrustedMfaProviders } from './Migration20261206100000TrustedMfaProviders';
import { Migration20261206100000Plans } from './Migration20261206100000Plans';

/** In order of application; a new migration is appended, never inserted. */
export const tenancyMigrations: MigrationObject[] = [
  { name: 'Migration20261123000000CreateTenancy', class: Migration20261123000000CreateTenancy },
  { name: 'Migration20261205200000RequireMfa', class: Migration20261205200000RequireMfa },
  { name: 'Migration20261206100000TrustedMfaProviders', class: Migration20261206100000TrustedMfaProviders },
  { name: 'Migration20261206100000Plans', class: Migration20261206100000Plans },
];
