import type { AnalyticsContract } from './analytics/analytics.contract';
import type { DashboardsContract } from './analytics/dashboards.contract';
import type { ChainsContract, ChainsBroadcastsContract } from './chains/chains.contract';
import type { IdentityContract } from './identity/identity.contract';
import type { IdentityBroadcastsContract } from './identity/identity.events';
import type { KeysContract } from './keys/keys.contract';
import type { KeysBroadcastsContract } from './keys/keys.events';
import type { AlertsContract } from './notifications/alerts.contract';
import type { InboxContract } from './notifications/inbox.contract';
import type { QuotaContract } from './notifications/quota.contract';
import type { SystemContract } from './system/system.contract';
import type { TenancyContract } from './tenancy/tenancy.contract';
import type { TenancyBroadcastsContract } from './tenancy/tenancy.events';

/** Every request/reply subject of the platform with its request and response types. */
export type BusContract = SystemContract &
  ChainsContract &
  IdentityContract &
  TenancyContract &
  KeysContract &
  AnalyticsContract &
  DashboardsContract &
  InboxContract &
  AlertsContract &
  QuotaContract;

/** Every domain event subject with its payload type. */
export type BusEventContract = ChainsBroadcastsContract &
  TenancyBroadcastsContract &
  KeysBroadcastsContract &
  IdentityBroadcastsContract;

export type BusSubject = keyof BusContract & string;
export type BusRequest<S extends BusSubject> = BusContract[S]['request'];
export type BusResponse<S extends BusSubject> = BusContract[S]['response'];

export type BusEventSubject = keyof BusEventContract & string;
export type BusEventPayload<E extends BusEventSubject> = BusEventContract[E]['payload'];
