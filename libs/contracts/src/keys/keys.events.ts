import type { DomainEvent } from '../rpc';

/**
 * Broadcasts of the keys service (core NATS, no queue group: every gateway replica gets each one).
 * A gateway drops its cached records of the keys named, so that a revocation or a change takes effect
 * everywhere at once; the caches' short TTL is the backstop for a missed message.
 */
export const KeysBroadcasts = {
  revoked: 'keys.key.revoked',
  updated: 'keys.key.updated',
} as const;

export interface KeyRevokedEvent {
  keyIds: string[];
  orgId: string;
  projectId: string;
  reason: 'revoked' | 'project_deleted';
  revokedAt: string;
}

export interface KeyUpdatedEvent {
  keyId: string;
  orgId: string;
  projectId: string;
  change: 'updated' | 'rotated';
}

export interface KeysBroadcastsContract {
  [KeysBroadcasts.revoked]: DomainEvent<KeyRevokedEvent>;
  [KeysBroadcasts.updated]: DomainEvent<KeyUpdatedEvent>;
}

/**
 * The shared Redis read model of key verification: the keys service writes the record of each key
 * hash (on a verification, and again on every change, before it broadcasts the change); gateways read
 * it on a miss of their in-process cache, before asking the keys service over the bus.
 */
export const KEY_VERIFICATION_CACHE_PREFIX = 'keys:verification:';

export function keyVerificationCacheKey(hash: string): string {
  return `${KEY_VERIFICATION_CACHE_PREFIX}${hash}`;
}
