import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { DURABLE_EVENT_PAYLOADS, type DurableEventSubject } from './durable-events.contract';
import { IdentityEvents } from './identity/identity.events';
import { TenancyEvents } from './tenancy/tenancy.events';

/** The fields a listener would refuse in this payload of `subject` (as DurableEventConsumers checks it). */
async function refused(subject: DurableEventSubject, payload: object): Promise<string[]> {
  const errors = await validate(
    plainToInstance(DURABLE_EVENT_PAYLOADS[subject] as new () => object, payload),
    {
      whitelist: true,
    },
  );
  return errors.map((error) => error.property);
}

const verification = {
  userId: '0b7e7a43-2b8e-4a0c-9f55-3c1a3c2f7e10',
  email: 'ada@example.com',
  name: 'Ada',
  verificationToken: 'tok-1',
  expiresAt: '2026-11-24T10:00:00.000Z',
};
const invitation = {
  invitationId: '6f1c1f0e-8d0a-4f0e-8f4a-0d8c2a1b9e31',
  orgId: 'a3d8c7e2-5b41-4f1e-9d2a-7c6b5a4e3d21',
  orgName: 'Acme',
  email: 'bob@example.com',
  role: 'member',
  invitedByName: 'Ada',
  token: 't',
  expiresAt: '2026-11-30T10:00:00Z',
};

describe('durable event payloads', () => {
  it('has a class for every durable event', () => {
    for (const subject of [...Object.values(IdentityEvents), ...Object.values(TenancyEvents)]) {
      expect(typeof DURABLE_EVENT_PAYLOADS[subject]).toBe('function');
    }
  });

  it('accepts well-formed events', async () => {
    expect(await refused(IdentityEvents.userRegistered, verification)).toEqual([]);
    expect(await refused(TenancyEvents.invitationCreated, invitation)).toEqual([]);
    expect(
      await refused(TenancyEvents.projectDeleted, {
        projectId: invitation.orgId,
        orgId: invitation.orgId,
        deletedAt: invitation.expiresAt,
      }),
    ).toEqual([]);
  });

  it('names what is wrong with a malformed one', async () => {
    const subject = IdentityEvents.userRegistered;
    expect(await refused(subject, { ...verification, email: 'not-an-address' })).toEqual(['email']);
    expect(await refused(subject, { ...verification, verificationToken: '' })).toEqual(['verificationToken']);
    expect(await refused(subject, { ...verification, expiresAt: 'tomorrow' })).toEqual(['expiresAt']);
    expect(await refused(TenancyEvents.invitationCreated, { ...invitation, role: 'god' })).toEqual(['role']);
    expect(await refused(TenancyEvents.invitationCreated, { ...invitation, orgName: '  ' })).toEqual([
      'orgName',
    ]);
    expect(await refused(TenancyEvents.projectDeleted, { projectId: 'x', orgId: invitation.orgId })).toEqual([
      'projectId',
      'deletedAt',
    ]);
  });
});
