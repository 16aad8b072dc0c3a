import { Injectable } from '@nestjs/common';
import {
  BusErrorCode,
  DomainException,
  TenancySubjects,
  type AccessGrant,
  type Actor,
  type Permission,
} from '@northstar/contracts';
import { BusClient } from './bus-client';

/** Where an object of a service lives: the organisation and project it belongs to. */
export interface ObjectTenant {
  orgId: string;
  projectId: string;
}

/** How a service finds one kind of its objects, and how it says that one is not found. */
export interface TenantObjectLookup<T> {
  /** The object's tenant, read without any tenancy filter (the id alone), or null. */
  tenantOf(id: string): Promise<ObjectTenant | null>;
  /** The object, read within the organisation the actor was granted. */
  find(orgId: string, id: string): Promise<T | null>;
  notFound(): DomainException;
}

/**
 * Who may do what is tenancy's policy: services ask it (`tenancy.access.check`) for every command
 * rather than trusting the gateway. An object of an organisation the actor does not belong to is
 * answered exactly like one that does not exist.
 */
@Injectable()
export class TenantAccess {
  constructor(private readonly bus: BusClient) {}

  /** The actor's grant on the project; tenancy's not_found / forbidden pass through. */
  async toProject(actor: Actor, projectId: string, permission: Permission): Promise<AccessGrant> {
    const grant = await this.bus.send(TenancySubjects.checkAccess, { actor, projectId, permission });
    if (grant.projectId !== undefined && grant.projectId !== projectId)
      throw DomainException.notFound('Project');
    return grant;
  }

  /** An object of a project, loaded within the organisation the actor was granted access to. */
  async toObject<T>(
    actor: Actor,
    id: string,
    permission: Permission,
    lookup: TenantObjectLookup<T>,
  ): Promise<T> {
    const tenant = await lookup.tenantOf(id);
    if (!tenant) throw lookup.notFound();
    let grant: AccessGrant;
    try {
      grant = await this.toProject(actor, tenant.projectId, permission);
    } catch (error) {
      // Tenancy speaks of the project; the caller asked about the object and must not learn the difference.
      if (error instanceof DomainException && error.code === BusErrorCode.NotFound) throw lookup.notFound();
      throw error;
    }
    if (grant.orgId !== tenant.orgId) throw lookup.notFound();
    const found = await lookup.find(grant.orgId, id);
    if (!found) throw lookup.notFound();
    return found;
  }
}
