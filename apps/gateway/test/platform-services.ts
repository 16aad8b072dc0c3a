/* eslint-disable @nx/enforce-module-boundaries -- the one place where the gateway's end-to-end tests
   reach into the other apps: they run the real services behind the gateway, and apps never import apps
   elsewhere. Every e2e test takes the services (and the few internals it needs) from here. */
export { analyticsService } from '../../analytics/src/analytics.service-definition';
// Rolled up on demand by the ClickHouse cluster suite (cluster/clickhouse-cluster.cluster-spec.ts).
export { RollupJob } from '../../analytics/src/rollup/rollup-job';
export { analyticsClusterSchema } from '../../analytics/src/clickhouse-migrations';
export { chainsService } from '../../chains/src/chains.service-definition';
export { identityService } from '../../identity/src/identity.service-definition';
// The last step of every sign-in: oidc.e2e-spec.ts watches what single sign-on hands it.
export { SignIn } from '../../identity/src/auth/sign-in';
// Revokes a session as identity's own store would, unannounced (revocation.e2e-spec.ts).
export { SessionRepository } from '../../identity/src/sessions/session.repository';
// Stood still by the two-factor suite (mfa.e2e-spec.ts), so that its codes never race a 30 s step.
export { Clock } from '../../identity/src/security/clock';
export { ingestionService } from '../../ingestion/src/ingestion.service-definition';
// Deletes a project's events on a ClickHouse cluster (cluster/clickhouse-cluster.cluster-spec.ts).
export { EventStoreRepository } from '../../ingestion/src/event-store/event-store.repository';
export { eventStoreClusterSchema } from '../../ingestion/src/clickhouse-migrations';
export { keysService } from '../../keys/src/keys.service-definition';
export { notificationsService } from '../../notifications/src/notifications.service-definition';
export { tenancyService } from '../../tenancy/src/tenancy.service-definition';
