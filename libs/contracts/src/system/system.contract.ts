import { IsOptional, IsString } from 'class-validator';
import type { Rpc } from '../rpc';
import type { ServiceName } from './services';

/** Each service answers a ping on `<service>.system.ping`, so its subject is derived, not listed. */
export const SystemSubjects = {
  identity: { ping: 'identity.system.ping' },
  tenancy: { ping: 'tenancy.system.ping' },
  keys: { ping: 'keys.system.ping' },
  chains: { ping: 'chains.system.ping' },
  ingestion: { ping: 'ingestion.system.ping' },
  analytics: { ping: 'analytics.system.ping' },
  notifications: { ping: 'notifications.system.ping' },
} as const satisfies Record<ServiceName, { ping: `${ServiceName}.system.ping` }>;

export class PingRequest {
  /** Free text echoed back, handy when debugging with `nats req`. */
  @IsOptional()
  @IsString()
  echo?: string;
}

export class PingResponse {
  name!: ServiceName;
  version!: string;
  uptimeSeconds!: number;
  echo?: string;
}

export type SystemContract = {
  [S in ServiceName as (typeof SystemSubjects)[S]['ping']]: Rpc<PingRequest, PingResponse>;
};
