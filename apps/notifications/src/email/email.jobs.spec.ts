import { EmailJobName, emailJobId } from './email.jobs';

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
