import { EmailJobName, emailJobId, emailJobProblem, type EmailJob } from './email.jobs';

const verification = (data: Partial<EmailJob['data']> = {}): EmailJob => ({
  name: EmailJobName.Verification,
  data: {
    to: 'ada@example.com',
    name: 'Ada',
    token: 'tok-1',
    expiresAt: '2026-11-24T10:00:00.000Z',
    ...data,
  },
});

describe('emailJobId', () => {
  it('is the same for the same email asked twice, and differs per token and per kind', () => {
    expect(emailJobId(EmailJobName.Verification, 'tok-1')).toBe(
      emailJobId(EmailJobName.Verification, 'tok-1'),
    );
    expect(emailJobId(EmailJobName.Verification, 'tok-1')).not.toBe(
      emailJobId(EmailJobName.Verification, 'tok-2'),
    );
    expect(emailJobId(EmailJobName.Verification, 'tok-1')).not.toBe(
      emailJobId(EmailJobName.PasswordReset, 'tok-1'),
    );
  });

  it('does not reveal the token, and is a valid BullMQ custom id (no colon, not a number)', () => {
    const id = emailJobId(EmailJobName.Invitation, 'secret-token');
    expect(id).not.toContain('secret-token');
    expect(id).toMatch(/^invitation-[0-9a-f]{40}$/);
  });
});

describe('emailJobProblem', () => {
  it('accepts a well-formed request', () => {
    expect(emailJobProblem(verification())).toBeNull();
    expect(
      emailJobProblem({
        name: EmailJobName.Invitation,
        data: {
          to: 'bob@example.com',
          orgName: 'Acme',
          invitedByName: 'Ada',
          role: 'member',
          token: 't',
          expiresAt: '2026-11-30T10:00:00Z',
        },
      }),
    ).toBeNull();
  });

  it('names what is wrong with a malformed one', () => {
    expect(emailJobProblem(verification({ to: 'not-an-address' }))).toMatch(/recipient/);
    expect(emailJobProblem(verification({ token: '' }))).toMatch(/token/);
    expect(emailJobProblem(verification({ expiresAt: 'tomorrow' }))).toMatch(/expiresAt/);
    expect(
      emailJobProblem({
        name: EmailJobName.Invitation,
        data: {
          to: 'bob@example.com',
          orgName: 'Acme',
          invitedByName: 'Ada',
          role: 'god' as never,
          token: 't',
          expiresAt: '2026-11-30T10:00:00Z',
        },
      }),
    ).toMatch(/role/);
  });
});
