import type { OrgDto, OrgRole, OrgWithRoleDto } from '@northstar/contracts';
import type { Organisation } from './organisation.entity';

export function toOrgDto(org: Organisation): OrgDto {
  return {
    id: org.id,
    name: org.name,
    slug: org.slug,
    requireMfa: org.requireMfa,
    trustedMfaProviders: [...org.trustedMfaProviders],
    createdAt: org.createdAt.toISOString(),
  };
}

export function toOrgWithRoleDto(org: Organisation, role: OrgRole): OrgWithRoleDto {
  return { ...toOrgDto(org), role };
}
