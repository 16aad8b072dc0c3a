import { tokenFromLink } from '@northstar/testing';
import {
  emailLink,
  EmailLinkPath,
  escapeHtml,
  formatUtc,
  invitationEmail,
  passwordResetEmail,
  quotaWarningEmail,
  timeUntil,
  verificationEmail,
  type RenderedEmail,
} from './email.templates';

const now = new Date('2026-11-23T10:00:00Z');
const inOneHour = new Date('2026-11-23T11:00:00Z');
const inOneDay = new Date('2026-11-24T10:00:00Z');
const inSevenDays = new Date('2026-11-30T10:00:00Z');
// Characters a URL must encode, as a base64 token may carry them.
const TOKEN = 'a+b/c=d&e?f';

/** The href of every <a> in the HTML, unescaped as a browser would. */
function hrefs(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => (m[1] ?? '').replace(/&amp;/g, '&'));
}

/** Both bodies carry the link, and following it yields the token unchanged. */
function expectLink(email: RenderedEmail, path: EmailLinkPath): void {
  const link = emailLink('https://app.northstar.test', path, TOKEN);
  expect(email.text).toContain(link);
  expect(hrefs(email.html)).toContain(link);
  expect(tokenFromLink(email.text, path)).toBe(TOKEN);
  expect(tokenFromLink(email.html, path)).toBe(TOKEN);
}

describe('emailLink', () => {
  it('points at the page of the web app with the token URL-encoded', () => {
    expect(emailLink('http://localhost:3000', EmailLinkPath.verifyEmail, TOKEN)).toBe(
      'http://localhost:3000/verify-email?token=a%2Bb%2Fc%3Dd%26e%3Ff',
    );
  });

  it('keeps a path prefix of the public URL and ignores its trailing slash', () => {
    expect(emailLink('https://example.com/app/', EmailLinkPath.acceptInvitation, 'abc')).toBe(
      'https://example.com/app/invitations/accept?token=abc',
    );
  });
});

describe('the verification email', () => {
  const email = verificationEmail({
    name: 'Ada Lovelace',
    link: emailLink('https://app.northstar.test', EmailLinkPath.verifyEmail, TOKEN),
    expiresAt: inOneDay,
    now,
  });

  it('asks to confirm the address, greeting the user by name', () => {
    expect(email.subject).toBe('Confirm your email address for Northstar');
    expect(email.text).toMatch(/^Hi Ada Lovelace,/);
    expect(email.text).toContain('confirm your email address');
    expect(email.html).toContain('Hi Ada Lovelace,');
  });

  it('links to the verification page with the token', () => {
    expectLink(email, EmailLinkPath.verifyEmail);
  });

  it('says when the link expires and what to do if it was not you', () => {
    for (const body of [email.text, email.html]) {
      expect(body).toContain('expires in 24 hours (24 Nov 2026, 10:00 UTC)');
      expect(body).toContain('If you did not create a Northstar account, you can ignore this email');
    }
  });

  it('greets without a name when there is none', () => {
    const nameless = verificationEmail({
      name: '  ',
      link: 'https://x.test/verify-email?token=t',
      expiresAt: inOneDay,
      now,
    });
    expect(nameless.text).toMatch(/^Hi,\n/);
  });
});

describe('the password reset email', () => {
  const email = passwordResetEmail({
    name: 'Grace',
    link: emailLink('https://app.northstar.test', EmailLinkPath.resetPassword, TOKEN),
    expiresAt: inOneHour,
    now,
  });

  it('offers to choose a new password through the reset page', () => {
    expect(email.subject).toBe('Reset your Northstar password');
    expect(email.text).toContain('reset the password of your Northstar account');
    expectLink(email, EmailLinkPath.resetPassword);
  });

  it('says the link lasts an hour and that ignoring the email keeps the password', () => {
    for (const body of [email.text, email.html]) {
      expect(body).toContain('expires in 1 hour (23 Nov 2026, 11:00 UTC)');
      expect(body).toContain(
        'If you did not ask for this, you can ignore this email: your password stays unchanged.',
      );
    }
  });
});

describe('the invitation email', () => {
  const email = invitationEmail({
    orgName: 'Acme Analytics',
    invitedByName: 'Grace Hopper',
    role: 'admin',
    link: emailLink('https://app.northstar.test', EmailLinkPath.acceptInvitation, TOKEN),
    expiresAt: inSevenDays,
    now,
  });

  it('names who invites, to which organisation and with which role', () => {
    expect(email.subject).toBe('Grace Hopper invited you to Acme Analytics on Northstar');
    expect(email.text).toContain(
      'Grace Hopper invited you to join the organisation Acme Analytics on Northstar as an admin.',
    );
  });

  it('links to the acceptance page with the token, valid for 7 days', () => {
    expectLink(email, EmailLinkPath.acceptInvitation);
    expect(email.text).toContain('expires in 7 days (30 Nov 2026, 10:00 UTC)');
    expect(email.text).toContain('If you were not expecting this invitation, you can ignore this email');
  });

  it('escapes the values in the HTML and keeps them on one line', () => {
    const hostile = invitationEmail({
      orgName: '<script>alert(1)</script>\r\nBcc: victim@example.com',
      invitedByName: 'Eve "the admin" & co',
      role: 'viewer',
      link: 'https://app.northstar.test/invitations/accept?token=t',
      expiresAt: inSevenDays,
      now,
    });
    expect(hostile.html).not.toContain('<script>');
    expect(hostile.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Bcc: victim@example.com');
    expect(hostile.html).toContain('Eve &quot;the admin&quot; &amp; co');
    expect(hostile.subject).not.toMatch(/[\r\n]/);
    expect(hostile.text).toContain('</script> Bcc: victim@example.com on Northstar as a viewer.');
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('expiry wording', () => {
  it('rounds to the unit a reader cares about', () => {
    const at = (ms: number) => new Date(now.getTime() + ms);
    expect(timeUntil(at(59 * 60_000 + 50_000), now)).toBe('in 1 hour');
    expect(timeUntil(at(30 * 60_000), now)).toBe('in 30 minutes');
    expect(timeUntil(at(60_000), now)).toBe('in 1 minute');
    expect(timeUntil(at(10_000), now)).toBe('in 1 minute');
    expect(timeUntil(at(47 * 3600_000), now)).toBe('in 47 hours');
    expect(timeUntil(at(3 * 24 * 3600_000), now)).toBe('in 3 days');
  });

  it('writes dates in UTC, the same on every machine', () => {
    expect(formatUtc(new Date('2026-01-05T07:04:59Z'))).toBe('5 Jan 2026, 07:04 UTC');
  });
});

describe('the quota warning email', () => {
  const email = quotaWarningEmail({
    orgName: 'Acme\nBcc: x@evil.test',
    title: 'The monthly event quota is used up',
    body: '100,000 of 100,000 events this month (2026-12).',
    link: 'https://app.northstar.test/orgs/o-1/usage',
  });

  it("names the organisation and the warning, and links to the organisation's usage", () => {
    expect(email.subject).toBe('Acme Bcc: x@evil.test: The monthly event quota is used up');
    expect(email.text).toContain('100,000 of 100,000 events this month (2026-12).');
    expect(email.text).toContain('https://app.northstar.test/orgs/o-1/usage');
    expect(hrefs(email.html)).toContain('https://app.northstar.test/orgs/o-1/usage');
  });
});
