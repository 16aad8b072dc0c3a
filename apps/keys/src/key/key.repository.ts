import { Injectable } from '@nestjs/common';
import { EntityManager, OptimisticLockError } from '@mikro-orm/postgresql';
import { DomainException } from '@northstar/contracts';
import { ApiKey } from './api-key.entity';
import { KeySecret } from './key-secret.entity';

export interface KeyTenant {
  orgId: string;
  projectId: string;
}

export interface KeyPagePosition {
  createdAt: Date;
  id: string;
}

/**
 * All PostgreSQL access to keys and their secrets. Reads of key data take the organisation id, so a
 * query cannot reach another tenant's keys; the only unscoped reads are the owner lookup (which
 * answers nothing but the tenant, for the access check) and the lookup by secret hash (the hash is
 * the credential itself).
 */
@Injectable()
export class KeyRepository {
  constructor(private readonly em: EntityManager) {}

  async findTenantOf(keyId: string): Promise<KeyTenant | null> {
    const key = await this.em.findOne(ApiKey, { id: keyId }, { fields: ['orgId', 'projectId'] });
    return key ? { orgId: key.orgId, projectId: key.projectId } : null;
  }

  findKey(orgId: string, keyId: string): Promise<ApiKey | null> {
    return this.em.findOne(ApiKey, { id: keyId, orgId });
  }

  /** A page of the project's keys, newest first. */
  listForProject(
    orgId: string,
    projectId: string,
    after: KeyPagePosition | null,
    limit: number,
  ): Promise<ApiKey[]> {
    const position = after
      ? {
          $or: [
            { createdAt: { $lt: after.createdAt } },
            { createdAt: after.createdAt, id: { $lt: after.id } },
          ],
        }
      : {};
    return this.em.find(
      ApiKey,
      { orgId, projectId, ...position },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit },
    );
  }

  /**
   * Revokes the project's keys that are not revoked yet, in one statement, and answers those: two
   * deliveries of the same event at once (at-least-once, several replicas) revoke each key once.
   */
  async revokeLiveKeysOfProject(orgId: string, projectId: string, at: Date): Promise<ApiKey[]> {
    const rows = await this.em.execute<{ id: string }[]>(
      `update "keys"."api_keys" set "revoked_at" = ?, "version" = "version" + 1, "updated_at" = now()
       where "org_id" = ? and "project_id" = ? and "revoked_at" is null
       returning "id"`,
      [at, orgId, projectId],
    );
    if (rows.length === 0) return [];
    return this.em.find(ApiKey, { orgId, id: { $in: rows.map((row) => row.id) } }, { refresh: true });
  }

  /**
   * The secrets of a key (loaded through a tenant-scoped read) that still verify at `now`: the
   * current one, and any in a rotation's grace period.
   */
  findLiveSecrets(key: ApiKey, now: Date): Promise<KeySecret[]> {
    return this.em.find(KeySecret, {
      key,
      $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }],
    });
  }

  /** The secret with its key, in one query. */
  findSecretByHash(hash: string): Promise<KeySecret | null> {
    return this.em.findOne(KeySecret, { hash }, { populate: ['key'] });
  }

  /**
   * The live keys of every tenant whose allowedChains names this chain: a change of the catalog, not a
   * tenant's request, asks (ChainChangedListener), and the answer only goes back into those keys.
   */
  findLiveKeysNamingChain(slug: string): Promise<ApiKey[]> {
    return this.em.find(ApiKey, { allowedChains: { $contains: [slug] }, revokedAt: null });
  }

  /** Keys of the organisation that still work at `now`: neither revoked nor expired (a plan's maxKeys). */
  countActiveOfOrg(orgId: string, now: Date): Promise<number> {
    return this.em.count(ApiKey, {
      orgId,
      revokedAt: null,
      $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }],
    });
  }

  /**
   * Serialises key creations of one organisation until the transaction ends (a transaction-scoped
   * advisory lock: keys has no row of the organisation to lock), so that two creations cannot both
   * take the plan's last place.
   */
  async lockOrgCreations(orgId: string): Promise<void> {
    await this.em.execute(`select pg_advisory_xact_lock(hashtextextended(?, 0))`, [`keys.create:${orgId}`]);
  }

  /** Saves the key and any new or changed secrets in one transaction. */
  async save(key: ApiKey, ...secrets: KeySecret[]): Promise<ApiKey> {
    this.em.persist(key);
    for (const secret of secrets) this.em.persist(secret);
    try {
      await this.em.flush();
    } catch (error) {
      if (error instanceof OptimisticLockError) {
        this.em.clear();
        throw DomainException.conflict('The key was changed at the same time; fetch it and try again');
      }
      throw error;
    }
    return key;
  }
}
