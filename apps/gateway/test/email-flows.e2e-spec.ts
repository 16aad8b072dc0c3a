import { notificationsService } from './platform-services';
import { loadConfig } from '@northstar/config';
import type { RunningService } from '@northstar/service-runtime';
import { startTestSmtp, tokenFromLink, type ReceivedMail, type TestSmtp } from '@northstar/testing';
import { randomBytes } from 'node:crypto';
import { e2eEnv, startTestService } from './support';
import { call, createOrg, startTenancyStack, type TenancyStack } from './tenancy-support';
import {
  clientAddress,
  logIn,
  postJson,
  signUp,
  signUpVerified,
  uniqueEmail,
  type SignedUpUser,
} from './users';

// What a user meets in their inbox: the emails arrive over real SMTP, and the links in them work
// when followed through the gateway.
let stack: TenancyStack;
let smtp: TestSmtp;
let notifications: RunningService;
let url: string;

beforeAll(async () => {
  smtp = await startTestSmtp();
  stack = await startTenancyStack();
  url = stack.url;
  const env = {
    SMTP_URL: smtp.url,
    PUBLIC_URL: 'https://app.northstar.test',
    QUEUE_PREFIX: `e2e-mail-${randomBytes(4).toString('hex')}`,
    EMAIL_RETRY_DELAY_MS: '200',
  };
  await notificationsService.migrate?.(loadConfig(notificationsService.configClass, e2eEnv(env)));
  notifications = await startTestService(notificationsService, env);
}, 60_000);

afterAll(async () => {
  await notifications?.close();
  await stack?.close();
  await smtp?.stop();
});

const mailTo = (email: string, subject: RegExp): Promise<ReceivedMail> =>
  smtp.waitFor((mail) => mail.to.includes(email.toLowerCase()) && subject.test(mail.subject), 20_000);

async function me(user: { accessToken: string }): Promise<{ emailVerified: boolean }> {
  const response = await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${user.accessToken}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as { emailVerified: boolean };
}

describe('emails through the whole platform', () => {
  it('registration sends a verification email whose link verifies the address', async () => {
    const user = await signUp(url, { email: uniqueEmail('verify') });
    expect(await me(user)).toMatchObject({ emailVerified: false });

    const mail = await mailTo(user.email, /confirm your email/i);
    expect(mail.text).toContain('https://app.northstar.test/verify-email?token=');
    expect(mail.html).toContain('https://app.northstar.test/verify-email?token=');
    const token = tokenFromLink(mail.text, '/verify-email');

    const verified = await postJson(`${url}/v1/auth/verify-email`, { token }, clientAddress());
    expect(verified.status).toBe(204);
    expect(await me(user)).toMatchObject({ emailVerified: true });
    // Single use: the same link a second time is refused.
    const again = await postJson(`${url}/v1/auth/verify-email`, { token }, clientAddress());
    expect(again.status).toBe(400);
  });

  it('forgot-password emails a reset link that sets a new password once', async () => {
    const user = await signUp(url, { email: uniqueEmail('reset') });
    const asked = await postJson(`${url}/v1/auth/forgot-password`, { email: user.email }, clientAddress());
    expect(asked.status).toBe(202);

    const mail = await mailTo(user.email, /password/i);
    const token = tokenFromLink(mail.text, '/reset-password');
    const password = 'a brand new passphrase';
    const reset = await postJson(`${url}/v1/auth/reset-password`, { token, password }, clientAddress());
    expect(reset.status).toBe(204);

    await expect(logIn(url, user.email, password, clientAddress())).resolves.toHaveProperty('accessToken');
    const oldPassword = await postJson(
      `${url}/v1/auth/login`,
      { email: user.email, password: user.password },
      clientAddress(),
    );
    expect(oldPassword.status).toBe(401);
    const reused = await postJson(
      `${url}/v1/auth/reset-password`,
      { token, password: 'yet another passphrase' },
      clientAddress(),
    );
    expect(reused.status).toBe(400);
  });

  it('forgot-password for an unknown address answers 202 and sends nothing', async () => {
    const email = uniqueEmail('nobody');
    const asked = await postJson(`${url}/v1/auth/forgot-password`, { email }, clientAddress());
    expect(asked.status).toBe(202);
    // A known address asked after it gets its mail; by then the unknown one would have had its own.
    const known = await signUp(url, { email: uniqueEmail('known') });
    await postJson(`${url}/v1/auth/forgot-password`, { email: known.email }, clientAddress());
    await mailTo(known.email, /password/i);
    expect(smtp.messages.filter((mail) => mail.to.includes(email.toLowerCase()))).toEqual([]);
  });

  it('an invitation email carries a link that lets the invited person join', async () => {
    const owner: SignedUpUser = await signUpVerified(url, { email: uniqueEmail('owner') });
    const org = await createOrg(url, owner, 'Mail Org');
    const invitee = await signUp(url, { email: uniqueEmail('invitee') });
    const verifyMail = await mailTo(invitee.email, /confirm your email/i);
    await postJson(
      `${url}/v1/auth/verify-email`,
      { token: tokenFromLink(verifyMail.text, '/verify-email') },
      clientAddress(),
    );

    const invited = await call(url, 'POST', `/orgs/${org.id}/invitations`, owner, {
      email: invitee.email.toUpperCase(),
      role: 'member',
    });
    expect(invited.status).toBe(201);

    const mail = await mailTo(invitee.email, /invited you/i);
    expect(mail.text).toContain('Mail Org');
    const token = tokenFromLink(mail.text, '/invitations/accept');
    const accepted = await call(url, 'POST', '/invitations/accept', invitee, { token });
    expect(accepted).toMatchObject({ status: 200, body: { orgId: org.id, role: 'member' } });

    const members = await call<{ items: { email: string; role: string }[] }>(
      url,
      'GET',
      `/orgs/${org.id}/members`,
      owner,
    );
    expect(members.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ email: invitee.email.toLowerCase(), role: 'member' }),
      ]),
    );
  });
});
