import { BusErrorCode, TenancySubjects } from '@northstar/contracts';
import { busError } from '@northstar/testing';
import { Fixtures, startTenancy, type Tenancy, type TestUser } from '../../test/harness';

// The hourly invitation limits of issue 14 (finding 4), with small values. Every run's users and
// organisations are new, so their windows in Redis start empty.
let tenancy: Tenancy;
let make: Fixtures;

beforeAll(async () => {
  tenancy = await startTenancy({ INVITATIONS_PER_USER_PER_HOUR: '2', INVITATIONS_PER_ORG_PER_HOUR: '3' });
  make = new Fixtures(tenancy);
});

afterAll(async () => {
  await tenancy?.close();
});

const invite = (actor: TestUser, orgId: string) =>
  tenancy.client.bus.send(TenancySubjects.createInvitation, {
    actor: actor.actor,
    orgId,
    email: make.user().email,
    role: 'member',
  });

async function expectLimited(request: Promise<unknown>): Promise<void> {
  const error = await busError(request);
  expect(error.code).toBe(BusErrorCode.RateLimited);
  // About an hour away, and never zero: the gateway turns it into Retry-After.
  expect(error.extra.retryAfterSeconds).toBeGreaterThan(3500);
  expect(error.extra.retryAfterSeconds).toBeLessThanOrEqual(3600);
}

it('limits the invitations of one user per hour, over all of its organisations', async () => {
  const owner = make.user();
  const first = await make.org(owner);
  const second = await make.org(owner, 'Second Org');
  await invite(owner, first.id);
  await invite(owner, second.id);

  await expectLimited(invite(owner, first.id));
  await expectLimited(invite(owner, second.id));
  // Another user of the same organisation is not held back by this one's count.
  const other = make.user();
  await expect(invite(other, (await make.org(other)).id)).resolves.toMatchObject({ role: 'member' });
});

it('limits the invitations of one organisation per hour, whoever sends them', async () => {
  const owner = make.user();
  const org = await make.org(owner);
  // Two admins join through the owner's invitations: two of the organisation's three, and the
  // owner's own two.
  const first = await make.member(org.id, owner, 'admin');
  const second = await make.member(org.id, owner, 'admin');
  await invite(first, org.id);

  // The second admin has sent nothing, but the organisation is full.
  await expectLimited(invite(second, org.id));
  // That refusal counted against nobody: the same admin still has both of its own elsewhere.
  const elsewhere = await make.org(second, 'Elsewhere');
  await invite(second, elsewhere.id);
  await invite(second, elsewhere.id);
  await expectLimited(invite(second, elsewhere.id));
});
