import {
  BusErrorCode,
  DomainException,
  ORG_ROLES,
  PERMISSIONS,
  type OrgRole,
  type Permission,
} from '@northstar/contracts';
import { assertCan, can, ROLE_PERMISSIONS } from './policy';

// The weakest role allowed each permission, read off API.md's Tenancy, Keys, Analytics and Alerts
// tables ("who"). Written out here rather than derived, so the test fails when the table drifts.
const WEAKEST_ALLOWED: Record<Permission, OrgRole> = {
  'org:read': 'viewer',
  'org:update': 'admin',
  'org:delete': 'owner',
  'org:security': 'owner',
  'members:read': 'viewer',
  'members:manage': 'admin',
  'owners:manage': 'owner',
  'invitations:manage': 'admin',
  'projects:read': 'viewer',
  'projects:create': 'admin',
  'projects:update': 'admin',
  'projects:delete': 'admin',
  'keys:read': 'viewer',
  'keys:manage': 'admin',
  'analytics:read': 'viewer',
  'dashboards:manage': 'member',
  'alerts:read': 'viewer',
  'alerts:manage': 'admin',
};

// ORG_ROLES is strongest first.
const atLeast = (role: OrgRole, weakest: OrgRole) => ORG_ROLES.indexOf(role) <= ORG_ROLES.indexOf(weakest);

describe('the policy table', () => {
  const cases = ORG_ROLES.flatMap((role) =>
    PERMISSIONS.map((permission) => [role, permission, atLeast(role, WEAKEST_ALLOWED[permission])] as const),
  );

  it.each(cases)('%s may %s: %s', (role, permission, allowed) => {
    expect(can(role, permission)).toBe(allowed);
  });

  it('covers every role and every permission', () => {
    expect(Object.keys(ROLE_PERMISSIONS).sort()).toEqual([...ORG_ROLES].sort());
    for (const role of ORG_ROLES) {
      for (const permission of ROLE_PERMISSIONS[role]) expect(PERMISSIONS).toContain(permission);
    }
  });

  it('gives each role at least the powers of every weaker role', () => {
    for (let i = 0; i < ORG_ROLES.length - 1; i++) {
      for (const permission of ROLE_PERMISSIONS[ORG_ROLES[i + 1]]) {
        expect([ORG_ROLES[i], permission, can(ORG_ROLES[i], permission)]).toEqual([
          ORG_ROLES[i],
          permission,
          true,
        ]);
      }
    }
  });

  it('refuses with forbidden and a reason, and lets allowed roles through', () => {
    expect(() => assertCan('owner', 'org:delete')).not.toThrow();
    let refusal: unknown;
    try {
      assertCan('admin', 'owners:manage');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(DomainException);
    expect(refusal).toMatchObject({ code: BusErrorCode.Forbidden, message: expect.stringMatching(/owner/) });
  });
});
