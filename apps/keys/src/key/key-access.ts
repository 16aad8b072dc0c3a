import { Injectable } from '@nestjs/common';
import {
  BusErrorCode,
  DomainException,
  TenancySubjects,
  type AccessGrant,
  type Actor,
  type Permission,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { ApiKey } from './api-key.entity';
import { KeyRepository } from './key.repository';

/**
 * Who may do what with keys is tenancy's policy: every command asks it (`keys:read`, `keys:manage`)
 * rather than trusting the gateway. A key of an organisation the actor does not belong to is
 * answered as not found, exactly like a key that does not exist.
 */
@Injectable()
export class KeyAccess {
  constructor(
    private readonly bus: BusClient,
    private readonly keys: KeyRepository,
  ) {}

  /** The actor's grant on the project; tenancy's not_found / forbidden pass through. */
  async toProject(actor: Actor, projectId: string, permission: Permission): Promise<AccessGrant> {
    const grant = await this.bus.send(TenancySubjects.checkAccess, { actor, projectId, permission });
    if (grant.projectId !== undefined && grant.projectId !== projectId)
      throw DomainException.notFound('Project');
    return grant;
  }

  /** The key, loaded within the organisation the actor was granted access to. */
  async toKey(actor: Actor, keyId: string, permission: Permission): Promise<ApiKey> {
    const tenant = await this.keys.findTenantOf(keyId);
    if (!tenant) throw keyNotFound();
    let grant: AccessGrant;
    try {
      grant = await this.toProject(actor, tenant.projectId, permission);
    } catch (error) {
      // Tenancy speaks of the project; the caller asked about a key, and must not learn the difference.
      if (error instanceof DomainException && error.code === BusErrorCode.NotFound) throw keyNotFound();
      throw error;
    }
    if (grant.orgId !== tenant.orgId) throw keyNotFound();
    const key = await this.keys.findKey(grant.orgId, keyId);
    if (!key) throw keyNotFound();
    return key;
  }
}

export function keyNotFound(): DomainException {
  return DomainException.notFound('API key');
}
