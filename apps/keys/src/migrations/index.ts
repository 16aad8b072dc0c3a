import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261124000000CreateKeys } from './Migration20261124000000CreateKeys';
import { Migration20261205000000KeyAllowlists } from './Migration20261205000000KeyAllowlists';
import { Migration20261206000000KeyCredits } from './Migration20261206000000KeyCredits';
import { Migration20261207010000MetricsScope } from './Migration20261207010000MetricsScope';

/** In order of application; a new migration is appended, never inserted. */
export const keysMigrations: MigrationObject[] = [
  { name: 'Migration20261124000000CreateKeys', class: Migration20261124000000CreateKeys },
  { name: 'Migration20261205000000KeyAllowlists', class: Migration20261205000000KeyAllowlists },
  { name: 'Migration20261206000000KeyCredits', class: Migration20261206000000KeyCredits },
  { name: 'Migration20261207010000MetricsScope', class: Migration20261207010000MetricsScope },
];
