import { AnalyticsSubjects } from '../analytics/analytics.contract';
import { DashboardsSubjects } from '../analytics/dashboards.contract';
import {
  DOMAIN_EVENTS_DLQ_STREAM,
  DOMAIN_EVENTS_STREAM,
  domainDeadLetterSubject,
  domainEventSubject,
} from '../durable-events.contract';
import { ChainsBroadcasts, ChainsSubjects } from '../chains/chains.contract';
import {
  EVENTS_DLQ_STREAM,
  EVENTS_DLQ_SUBJECT_PREFIX,
  EVENTS_STREAM,
  EVENTS_SUBJECT_PREFIX,
} from '../events/event-stream';
import {
  METRICS_DLQ_STREAM,
  METRICS_DLQ_SUBJECT_PREFIX,
  METRICS_STREAM,
  METRICS_SUBJECT_PREFIX,
} from '../metrics/metric-stream';
import { IdentitySubjects } from '../identity/identity.contract';
import { IdentityBroadcasts } from '../identity/identity.events';
import { KeysSubjects } from '../keys/keys.contract';
import { KeysBroadcasts } from '../keys/keys.events';
import { AlertsSubjects } from '../notifications/alerts.contract';
import { InboxSubjects } from '../notifications/inbox.contract';
import { QuotaSubjects } from '../notifications/quota.contract';
import { TenancySubjects } from '../tenancy/tenancy.contract';
import { TenancyBroadcasts } from '../tenancy/tenancy.events';
import { SystemSubjects } from './system.contract';
import { SERVICE_NAMES, type ServiceName } from './services';

/** Each process of the platform connects to NATS as its own user: the services and the gateway. */
export type BusUser = ServiceName | 'gateway';
export const BUS_USERS: readonly BusUser[] = [...SERVICE_NAMES, 'gateway'];

/**
 * A listener of durable domain events (DurableEventConsumers): it consumes DOMAIN_EVENTS and puts
 * what it gives up on into DOMAIN_EVENTS_DLQ, on its own subjects, creating the stream if needed.
 */
function domainEventsListener(service: ServiceName): StreamUse[] {
  return [
    { stream: DOMAIN_EVENTS_STREAM, consumes: true },
    { stream: DOMAIN_EVENTS_DLQ_STREAM, publishes: [domainDeadLetterSubject(service, '>')] },
  ];
}

interface StreamUse {
  stream: string;
  /** Subjects it publishes into the stream. */
  publishes?: string[];
  /** Whether it creates and reads consumers of the stream. */
  consumes?: boolean;
  /** Whether it may recreate, update and purge the stream (its owner's migrations). */
  manages?: boolean;
}

interface BusUserUse {
  /** The request subjects of other services it sends. */
  calls: readonly string[];
  /** Core NATS broadcasts it publishes and listens to. */
  broadcasts: { publishes: readonly string[]; listens: readonly string[] };
  streams: readonly StreamUse[];
}

const REQUESTS: Record<ServiceName, readonly string[]> = {
  identity: Object.values(IdentitySubjects),
  tenancy: Object.values(TenancySubjects),
  keys: Object.values(KeysSubjects),
  chains: Object.values(ChainsSubjects),
  ingestion: [],
  analytics: [...Object.values(AnalyticsSubjects), ...Object.values(DashboardsSubjects)],
  notifications: [
    ...Object.values(AlertsSubjects),
    ...Object.values(InboxSubjects),
    ...Object.values(QuotaSubjects),
  ],
};

/** The request subjects a service answers, its ping included. */
export function requestSubjectsOf(service: ServiceName): string[] {
  return [...REQUESTS[service], SystemSubjects[service].ping];
}

/**
 * Who talks to whom on the bus: the source of each process's NATS permissions in production
 * (deploy/nats/auth.conf is generated from it). A call or a subject missing here fails in a bus
 * with credentials with a permissions violation, which the end-to-end test over an authenticated
 * NATS catches.
 */
const USES: Record<BusUser, BusUserUse> = {
  gateway: {
    calls: SERVICE_NAMES.flatMap((service) => requestSubjectsOf(service)),
    broadcasts: {
      publishes: [],
      listens: [
        ...Object.values(KeysBroadcasts),
        ...Object.values(IdentityBroadcasts),
        TenancyBroadcasts.planChanged,
      ],
    },
    // It creates the event streams (and ingestion's consumer) if it starts first, and reads their state.
    streams: [
      { stream: EVENTS_STREAM, publishes: [`${EVENTS_SUBJECT_PREFIX}.>`], manages: true },
      { stream: EVENTS_DLQ_STREAM, manages: true },
      // The same for custom metrics, a stream of their own (metric-stream.ts says why).
      { stream: METRICS_STREAM, publishes: [`${METRICS_SUBJECT_PREFIX}.>`], manages: true },
      { stream: METRICS_DLQ_STREAM, manages: true },
    ],
  },
  identity: {
    calls: [],
    broadcasts: { publishes: Object.values(IdentityBroadcasts), listens: [] },
    streams: [{ stream: DOMAIN_EVENTS_STREAM, publishes: [domainEventSubject('identity.>')] }],
  },
  tenancy: {
    calls: [IdentitySubjects.usersByIds],
    broadcasts: { publishes: Object.values(TenancyBroadcasts), listens: [] },
    streams: [{ stream: DOMAIN_EVENTS_STREAM, publishes: [domainEventSubject('tenancy.>')] }],
  },
  keys: {
    calls: [ChainsSubjects.list, TenancySubjects.checkAccess, TenancySubjects.orgPlanLimits],
    broadcasts: { publishes: Object.values(KeysBroadcasts), listens: Object.values(ChainsBroadcasts) },
    streams: domainEventsListener('keys'),
  },
  chains: {
    calls: [],
    broadcasts: { publishes: Object.values(ChainsBroadcasts), listens: [] },
    streams: [],
  },
  ingestion: {
    calls: [TenancySubjects.listPlans, TenancySubjects.projectRetention],
    broadcasts: { publishes: [], listens: [] },
    streams: [
      { stream: EVENTS_STREAM, consumes: true, manages: true },
      {
        stream: EVENTS_DLQ_STREAM,
        publishes: [`${EVENTS_DLQ_SUBJECT_PREFIX}.>`],
        consumes: true,
        manages: true,
      },
      { stream: METRICS_STREAM, consumes: true, manages: true },
      {
        stream: METRICS_DLQ_STREAM,
        publishes: [`${METRICS_DLQ_SUBJECT_PREFIX}.>`],
        consumes: true,
        manages: true,
      },
      ...domainEventsListener('ingestion'),
      // Its migrate step (the migrate job runs as ingestion) keeps every stream's settings, the
      // domain event streams' replicas included, in step with the configuration.
      { stream: DOMAIN_EVENTS_STREAM, manages: true },
      { stream: DOMAIN_EVENTS_DLQ_STREAM, manages: true },
    ],
  },
  analytics: {
    calls: [
      KeysSubjects.queryUsage,
      KeysSubjects.queryOrgUsage,
      TenancySubjects.checkAccess,
      TenancySubjects.listProjects,
      TenancySubjects.listPlans,
      TenancySubjects.projectRetention,
    ],
    broadcasts: { publishes: [], listens: [TenancyBroadcasts.accessChanged] },
    // A deleted project's saved insights and dashboards go (tenancy.project.deleted).
    streams: domainEventsListener('analytics'),
  },
  notifications: {
    calls: [
      AnalyticsSubjects.metric,
      IdentitySubjects.usersByIds,
      TenancySubjects.checkAccess,
      TenancySubjects.listMembers,
      TenancySubjects.listOrgs,
      TenancySubjects.orgOwners,
    ],
    broadcasts: { publishes: [], listens: [] },
    streams: domainEventsListener('notifications'),
  },
};

/**
 * Each process's private reply prefix: its requests' answers (bus and JetStream API) come back on
 * subjects only it may subscribe to, so no other process can read them.
 */
export function inboxPrefixOf(user: BusUser): string {
  return `_INBOX_${user}`;
}

export interface BusUserPermissions {
  publish: string[];
  subscribe: string[];
}

function streamPermissions(use: StreamUse): BusUserPermissions {
  const { stream } = use;
  const publish = ['$JS.API.INFO', `$JS.API.STREAM.INFO.${stream}`, `$JS.API.STREAM.CREATE.${stream}`];
  if (use.manages) {
    publish.push(
      `$JS.API.STREAM.UPDATE.${stream}`,
      `$JS.API.STREAM.DELETE.${stream}`,
      `$JS.API.STREAM.PURGE.${stream}`,
    );
  }
  if (use.publishes) publish.push(...use.publishes);
  if (use.consumes || use.manages) {
    // Consumer info, creation, update and listing; MSG.NEXT and DURABLE.CREATE have one token more.
    publish.push(
      `$JS.API.CONSUMER.*.${stream}`,
      `$JS.API.CONSUMER.*.${stream}.>`,
      `$JS.API.CONSUMER.*.*.${stream}.>`,
    );
  }
  if (use.consumes) publish.push(`$JS.ACK.${stream}.>`);
  return { publish, subscribe: [] };
}

/**
 * What one process may publish and subscribe to. Replies to the requests it serves need no publish
 * permission: the NATS users are configured with `allow_responses`.
 */
export function busPermissions(user: BusUser): BusUserPermissions {
  const use = USES[user];
  const publish = new Set<string>();
  const subscribe = new Set<string>([`${inboxPrefixOf(user)}.>`]);
  for (const subject of use.calls) publish.add(subject);
  for (const subject of use.broadcasts.publishes) publish.add(subject);
  for (const subject of use.broadcasts.listens) subscribe.add(subject);
  if (user !== 'gateway') for (const subject of requestSubjectsOf(user)) subscribe.add(subject);
  for (const stream of use.streams)
    for (const subject of streamPermissions(stream).publish) publish.add(subject);
  return { publish: [...publish], subscribe: [...subscribe] };
}
