import { DomainException, type OrgRole, type Permission } from '@northstar/contracts';

// The one policy table of the platform: what each role of an organisation may do. Every tenancy
// handler and every access check of the other services (tenancy.access.check) goes through it.
// Platform admins (actor.role === 'admin') get nothing from that role here: tenant powers come from
// memberships only.

const VIEWER: readonly Permission[] = [
  'org:read',
  'members:read',
  'projects:read',
  'keys:read',
  'analytics:read',
  'alerts:read',
];

// A member sees what a viewer sees, and edits the project's saved insights and dashboards.
const MEMBER: readonly Permission[] = [...VIEWER, 'dashboards:manage'];

const ADMIN: readonly Permission[] = [
  ...MEMBER,
  'org:update',
  'members:manage',
  'invitations:manage',
  'projects:create',
  'projects:update',
  'projects:delete',
  'keys:manage',
  'alerts:manage',
];

const OWNER: readonly Permission[] = [...ADMIN, 'org:delete', 'org:security', 'owners:manage'];

export const ROLE_PERMISSIONS: Readonly<Record<OrgRole, ReadonlySet<Permission>>> = {
  owner: new Set(OWNER),
  admin: new Set(ADMIN),
  member: new Set(MEMBER),
  viewer: new Set(VIEWER),
};

export function can(role: OrgRole, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

const REFUSALS: Record<Permission, string> = {
  'org:read': 'You cannot see this organisation',
  'org:update': 'Only an admin or owner can change the organisation',
  'org:delete': 'Only an owner can delete the organisation',
  'org:security': "Only an owner can change the organisation's sign-in requirements",
  'members:read': 'You cannot see the members of this organisation',
  'members:manage': 'Only an admin or owner can change or remove members',
  'owners:manage': 'Only an owner can grant or remove the owner role',
  'invitations:manage': 'Only an admin or owner can manage invitations',
  'projects:read': 'You cannot see the projects of this organisation',
  'projects:create': 'Only an admin or owner can create projects',
  'projects:update': 'Only an admin or owner can change projects',
  'projects:delete': 'Only an admin or owner can delete projects',
  'keys:read': 'You cannot see the API keys of this project',
  'keys:manage': 'Only an admin or owner can manage API keys',
  'analytics:read': 'You cannot read the analytics of this project',
  'dashboards:manage': 'Only a member, admin or owner can change insights and dashboards',
  'alerts:read': 'You cannot see the alerts of this project',
  'alerts:manage': 'Only an admin or owner can manage alerts',
};

/** Throws `forbidden`, with the reason, unless the role grants the permission. */
export function assertCan(role: OrgRole, permission: Permission): void {
  if (!can(role, permission)) throw DomainException.forbidden(REFUSALS[permission]);
}
