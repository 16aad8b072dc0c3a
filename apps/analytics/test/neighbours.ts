/* eslint-disable @nx/enforce-module-boundaries -- the one place where analytics' tests reach into other
   apps (apps never import apps elsewhere): the events table they read is ingestion's, made by its own
   migrations, and the usage tests run the real keys service beside analytics. */
export { eventStoreMigrations } from '../../ingestion/src/clickhouse-migrations';
export { keysService } from '../../keys/src/keys.service-definition';
