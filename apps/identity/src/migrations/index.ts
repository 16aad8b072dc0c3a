import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123000000CreateIdentity } from './Migration20261123000000CreateIdentity';
import { Migration20261205100000IdentityOutbox } from './Migration20261205100000IdentityOutbox';
import { Migration20261205200000TwoFactor } from './Migration20261205200000TwoFactor';
import { Migration20261205200000OidcIdentities } from './Migration20261205200000OidcIdentities';
import { Migration20261206100000SessionMfaVia } from './Migration20261206100000SessionMfaVia';

/** In order of application; a new migration is appended, never inserted. */
export const identityMigrations: MigrationObject[] = [
  { name: 'Migration20261123000000CreateIdentity', class: Migration20261123000000CreateIdentity },
  { name: 'Migration20261205100000IdentityOutbox', class: Migration20261205100000IdentityOutbox },
  { name: 'Migration20261205200000TwoFactor', class: Migration20261205200000TwoFactor },
  { name: 'Migration20261205200000OidcIdentities', class: Migration20261205200000OidcIdentities },
  { name: 'Migration20261206100000SessionMfaVia', class: Migration20261206100000SessionMfaVia },
];
