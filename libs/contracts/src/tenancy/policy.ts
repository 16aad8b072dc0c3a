/** Roles inside an organisation, strongest first. */
export const ORG_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

/**
 * What a member may do. Tenancy's policy table maps each role to these; other services ask tenancy
 * (`TenancySubjects.checkAccess`) with one of them rather than reasoning about roles themselves.
 */
export const PERMISSIONS = [
  'org:read',
  'org:update',
  'org:delete',
  'org:security',
  'members:read',
  'members:manage',
  'owners:manage',
  'invitations:manage',
  'projects:read',
  'projects:create',
  'projects:update',
  'projects:delete',
  'keys:read',
  'keys:manage',
  'analytics:read',
  'dashboards:manage',
  'alerts:read',
  'alerts:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];
