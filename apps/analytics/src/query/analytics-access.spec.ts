import type { AccessGrant } from '@northstar/contracts';
import { LRUCache } from 'lru-cache';
import { forgetGrants } from './analytics-access';

function grantsOf(entries: Record<string, AccessGrant>): LRUCache<string, AccessGrant> {
  const grants = new LRUCache<string, AccessGrant>({ max: 100 });
  for (const [key, grant] of Object.entries(entries)) grants.set(key, grant);
  return grants;
}

const inOrg = (orgId: string): AccessGrant => ({ orgId, projectId: `p-${orgId}`, role: 'admin' });

describe('forgetGrants', () => {
  it('drops the grants of the member whose access to the organisation changed, and only those', () => {
    const grants = grantsOf({
      'u1:user:p1': inOrg('o1'),
      'u1:user:p2': inOrg('o2'),
      'u2:user:p1': inOrg('o1'),
      'u10:user:p1': inOrg('o1'),
    });

    forgetGrants(grants, { orgId: 'o1', userId: 'u1' });

    expect([...grants.keys()].sort()).toEqual(['u1:user:p2', 'u10:user:p1', 'u2:user:p1'].sort());
  });

  it('drops every grant of the organisation when no member is named (a deleted organisation)', () => {
    const grants = grantsOf({
      'u1:user:p1': inOrg('o1'),
      'u2:admin:p1': inOrg('o1'),
      'u1:user:p2': inOrg('o2'),
    });

    forgetGrants(grants, { orgId: 'o1' });

    expect([...grants.keys()]).toEqual(['u1:user:p2']);
  });
});
