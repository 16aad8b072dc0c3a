import { Injectable } from '@nestjs/common';
import { DomainException, type AccessGrant, type Actor, type Permission } from '@northstar/contracts';
import { TenantAccess, type TenantObjectLookup } from '@northstar/messaging';
import { ApiKey } from './api-key.entity';
import { KeyRepository } from './key.repository';

/** Access to keys as tenancy grants it (`keys:read`, `keys:manage`); see TenantAccess. */
@Injectable()
export class KeyAccess {
  private readonly lookup: TenantObjectLookup<ApiKey>;

  constructor(
    private readonly access: TenantAccess,
    keys: KeyRepository,
  ) {
    this.lookup = {
      tenantOf: (keyId) => keys.findTenantOf(keyId),
      find: (orgId, keyId) => keys.findKey(orgId, keyId),
      notFound: keyNotFound,
    };
  }

  toProject(actor: Actor, projectId: string, permission: Permission): Promise<AccessGrant> {
    return this.access.toProject(actor, projectId, permission);
  }

  toKey(actor: Actor, keyId: string, permission: Permission): Promise<ApiKey> {
    return this.access.toObject(actor, keyId, permission, this.lookup);
  }
}

export function keyNotFound(): DomainException {
  return DomainException.notFound('API key');
}
