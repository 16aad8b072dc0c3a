import { Injectable } from '@nestjs/common';
import { KeysBroadcasts, type KeyRevokedEvent, type KeyUpdatedEvent } from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { VerificationCache } from '../verification/verification.cache';
import type { ApiKey } from './api-key.entity';
import type { KeySecret } from './key-secret.entity';
import { toVerification } from './key.mapper';
import { KeyRepository } from './key.repository';

/**
 * Makes a committed change of keys take effect on every gateway: first the Redis records of the
 * keys' secrets are rewritten (so a gateway that reloads gets the new state), then the broadcast
 * tells every gateway replica to drop what it holds in memory.
 */
@Injectable()
export class KeyChanges {
  constructor(
    private readonly keys: KeyRepository,
    private readonly cache: VerificationCache,
    private readonly bus: BusClient,
  ) {}

  /** `changedSecrets`: secrets this change ended, which no longer count as live but may be cached. */
  async updated(
    key: ApiKey,
    change: KeyUpdatedEvent['change'],
    changedSecrets: KeySecret[] = [],
  ): Promise<void> {
    await this.refresh(key, changedSecrets);
    this.bus.emit(KeysBroadcasts.updated, {
      keyId: key.id,
      orgId: key.orgId,
      projectId: key.projectId,
      change,
    });
  }

  async revoked(keys: ApiKey[], reason: KeyRevokedEvent['reason']): Promise<void> {
    if (keys.length === 0) return;
    for (const key of keys) await this.refresh(key);
    const [first] = keys;
    this.bus.emit(KeysBroadcasts.revoked, {
      keyIds: keys.map((key) => key.id),
      orgId: first.orgId,
      projectId: first.projectId,
      reason,
      revokedAt: (first.revokedAt ?? new Date()).toISOString(),
    });
  }

  private async refresh(key: ApiKey, changedSecrets: KeySecret[] = []): Promise<void> {
    const secrets = new Map<string, KeySecret>();
    for (const secret of [...(await this.keys.findLiveSecrets(key, new Date())), ...changedSecrets]) {
      secrets.set(secret.id, secret);
    }
    await this.cache.replace([...secrets.values()].map((secret) => toVerification(key, secret)));
  }
}
