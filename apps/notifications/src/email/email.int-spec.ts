import {
  DeadLetterHeaders,
  domainDeadLetterSubject,
  IdentityEvents,
  TenancyEvents,
  type InvitationCreatedEvent,
  type PasswordResetRequestedEvent,
  type UserRegisteredEvent,
} from '@northstar/contracts';
import {
  DOMAIN_EVENTS_DLQ_STREAM,
  DOMAIN_EVENTS_STREAM,
  durableConsumerName,
  DurableEventPublisher,
} from '@northstar/messaging';
import type { RunningService } from '@northstar/service-runtime';
import {
  connectTestBus,
  eventually,
  startTestService,
  startTestSmtp,
  testEnv,
  tokenFromLink,
  type ReceivedMail,
  type TestBus,
  type TestSmtp,
  testEventPublisher,
  openEventToken,
  sealEventToken,
} from '@northstar/testing';
import { Queue } from 'bullmq';
import { randomBytes, randomUUID } from 'node:crypto';
import { notificationsService } from '../notifications.service-definition';
import { EMAIL_QUEUE, emailJobId, EmailJobName } from './email.jobs';

// The service as deployed, against a real SMTP server (in this process) and its own queue keys in
// the test Redis, so that no other run's worker takes our jobs. Events are published on the real
// JetStream stream exactly as identity and tenancy publish them.
const PUBLIC_URL = 'https://app.northstar.test';
const QUEUE_PREFIX = `test-email-${randomUUID().slice(0, 8)}`;

let smtp: TestSmtp;
let service: RunningService;
let client: TestBus;
let publisher: DurableEventPublisher;
let queue: Queue;

beforeAll(async () => {
  smtp = await startTestSmtp();
  service = await startTestService(notificationsService, {
    SMTP_URL: smtp.url,
    PUBLIC_URL,
    QUEUE_PREFIX,
    // Retries after 0.2 s, 0.4 s, 0.8 s ...: an outage test takes seconds, not minutes.
    EMAIL_RETRY_DELAY_MS: '200',
  });
  client = await connectTestBus();
  publisher = testEventPublisher(client.connection, 'notifications-int-spec');
  queue = new Queue(EMAIL_QUEUE, { prefix: QUEUE_PREFIX, connection: { url: testEnv()['REDIS_URL'] } });
});

afterAll(async () => {
  await service?.close();
  if (queue) {
    await queue.obliterate({ force: true });
    await queue.close();
  }
  await client?.close();
  await smtp?.stop();
});

const uniqueEmail = (prefix: string) => `${prefix}-${randomUUID()}@notifications.test`;
// Like the services' tokens, base64 of random bytes, here with the characters a URL must encode.
const newToken = () => `${randomBytes(24).toString('base64')}+/=`;
const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3600_000).toISOString();

function userRegistered(email = uniqueEmail('new-user')): UserRegisteredEvent {
  return {
    userId: randomUUID(),
    email,
    name: 'Ada Lovelace',
    verificationToken: sealEventToken(newToken()),
    expiresAt: hoursFromNow(24),
  };
}

function passwordResetRequested(email = uniqueEmail('forgetful')): PasswordResetRequestedEvent {
  return {
    userId: randomUUID(),
    email,
    name: 'Grace Hopper',
    resetToken: sealEventToken(newToken()),
    expiresAt: hoursFromNow(1),
  };
}

function invitationCreated(email = uniqueEmail('invitee')): InvitationCreatedEvent {
  return {
    invitationId: randomUUID(),
    orgId: randomUUID(),
    orgName: 'Zoë & Co Analytics',
    email,
    role: 'member',
    invitedByName: 'Ada Lovelace',
    token: sealEventToken(newToken()),
    expiresAt: hoursFromNow(7 * 24),
  };
}

const mailTo = (email: string) => (mail: ReceivedMail) => mail.to.includes(email);
const countTo = (email: string) => smtp.messages.filter(mailTo(email)).length;

/**
 * Resolves once the service has taken every published event of `subject` and has no email left to
 * send: from then on, an email that has not arrived will not arrive.
 */
async function untilSettled(subject: string): Promise<void> {
  const jsm = await client.connection.jetstreamManager();
  await eventually(
    async () => {
      const consumer = await jsm.consumers.info(
        DOMAIN_EVENTS_STREAM,
        durableConsumerName('notifications', subject),
      );
      const jobs = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      expect({ events: consumer.num_pending + consumer.num_ack_pending, jobs: Object.values(jobs) }).toEqual({
        events: 0,
        jobs: [0, 0, 0, 0],
      });
    },
    { timeoutMs: 15_000, intervalMs: 50 },
  );
}

describe('transactional email', () => {
  it('sends a new user one email with the link that verifies their address', async () => {
    const event = userRegistered();

    await publisher.publish(IdentityEvents.userRegistered, event);

    const mail = await smtp.waitFor(mailTo(event.email));
    expect(mail.to).toEqual([event.email]);
    expect(mail.from).toBe('Northstar <no-reply@northstar.local>');
    expect(mail.subject).toBe('Confirm your email address for Northstar');
    expect(mail.text).toContain('Hi Ada Lovelace,');
    expect(mail.text).toContain(`${PUBLIC_URL}/verify-email?token=`);
    expect(tokenFromLink(mail.text, '/verify-email')).toBe(openEventToken(event.verificationToken));
    expect(tokenFromLink(mail.html, '/verify-email')).toBe(openEventToken(event.verificationToken));
    expect(mail.text).toMatch(/This link expires in 24 hours/);
  });

  it('sends a password reset link that carries the reset token', async () => {
    const event = passwordResetRequested();

    await publisher.publish(IdentityEvents.passwordResetRequested, event);

    const mail = await smtp.waitFor(mailTo(event.email));
    expect(mail.to).toEqual([event.email]);
    expect(mail.subject).toBe('Reset your Northstar password');
    expect(mail.text).toContain(`${PUBLIC_URL}/reset-password?token=`);
    expect(tokenFromLink(mail.text, '/reset-password')).toBe(openEventToken(event.resetToken));
    expect(tokenFromLink(mail.html, '/reset-password')).toBe(openEventToken(event.resetToken));
    expect(mail.text).toMatch(/This link expires in 1 hour/);
  });

  it('sends an invitation naming the organisation, with the link that accepts it', async () => {
    const event = invitationCreated();

    await publisher.publish(TenancyEvents.invitationCreated, event);

    const mail = await smtp.waitFor(mailTo(event.email));
    expect(mail.to).toEqual([event.email]);
    expect(mail.subject).toBe('Ada Lovelace invited you to Zoë & Co Analytics on Northstar');
    expect(mail.text).toContain('join the organisation Zoë & Co Analytics on Northstar as a member');
    expect(mail.html).toContain('Zoë &amp; Co Analytics');
    expect(mail.text).toContain(`${PUBLIC_URL}/invitations/accept?token=`);
    expect(tokenFromLink(mail.text, '/invitations/accept')).toBe(openEventToken(event.token));
    expect(tokenFromLink(mail.html, '/invitations/accept')).toBe(openEventToken(event.token));
    expect(mail.text).toMatch(/This link expires in 7 days/);
  });

  it('sends one email for an event delivered more than once, before or after it was sent', async () => {
    const event = userRegistered();

    await publisher.publish(IdentityEvents.userRegistered, event);
    await publisher.publish(IdentityEvents.userRegistered, event);
    await smtp.waitFor(mailTo(event.email));
    await publisher.publish(IdentityEvents.userRegistered, event);

    await untilSettled(IdentityEvents.userRegistered);
    expect(countTo(event.email)).toBe(1);
  });

  it('sends a new email when the user asks again (a new token)', async () => {
    const first = passwordResetRequested();
    const second = { ...first, resetToken: sealEventToken(newToken()) };

    await publisher.publish(IdentityEvents.passwordResetRequested, first);
    await publisher.publish(IdentityEvents.passwordResetRequested, second);

    await eventually(() => expect(countTo(first.email)).toBe(2));
    const tokens = smtp.messages
      .filter(mailTo(first.email))
      .map((mail) => tokenFromLink(mail.text, '/reset-password'));
    expect(tokens.sort()).toEqual(
      [openEventToken(first.resetToken), openEventToken(second.resetToken)].sort(),
    );
  });

  it('dead-letters a malformed event instead of retrying it forever', async () => {
    const jsm = await client.connection.jetstreamManager();
    const malformed = { ...userRegistered(), email: 'not an address' };
    const valid = userRegistered();

    await publisher.publish(IdentityEvents.userRegistered, malformed);
    await publisher.publish(IdentityEvents.userRegistered, valid);

    await smtp.waitFor(mailTo(valid.email));
    // Settled: JetStream is not redelivering it, and no job is retrying it.
    await untilSettled(IdentityEvents.userRegistered);
    expect(
      await queue.getJob(emailJobId(EmailJobName.Verification, malformed.verificationToken)),
    ).toBeUndefined();
    // Kept for the operators, with the field that is wrong.
    const letter = await jsm.streams.getMessage(DOMAIN_EVENTS_DLQ_STREAM, {
      last_by_subj: domainDeadLetterSubject('notifications', IdentityEvents.userRegistered),
    });
    expect(JSON.parse(new TextDecoder().decode(letter.data))).toEqual(malformed);
    expect(letter.header.get(DeadLetterHeaders.reason)).toMatch(
      /^invalid payload: email: email must be an email/,
    );
  });

  it('delivers mail queued while the SMTP server was down once it is back, and only once', async () => {
    const event = passwordResetRequested();
    const port = smtp.port;
    await smtp.stop();

    await publisher.publish(IdentityEvents.passwordResetRequested, event);

    // The worker tried, failed, and keeps the job for a later attempt.
    await eventually(
      async () => {
        const job = await queue.getJob(emailJobId(EmailJobName.PasswordReset, event.resetToken));
        expect(job?.attemptsMade).toBeGreaterThanOrEqual(1);
      },
      { timeoutMs: 10_000 },
    );
    expect(countTo(event.email)).toBe(0);

    smtp = await startTestSmtp({ port });
    const mail = await smtp.waitFor(mailTo(event.email), 20_000);
    expect(tokenFromLink(mail.text, '/reset-password')).toBe(openEventToken(event.resetToken));
    await untilSettled(IdentityEvents.passwordResetRequested);
    expect(countTo(event.email)).toBe(1);
  });

  it('retries while the SMTP server refuses mail, and delivers once it accepts again', async () => {
    const event = invitationCreated();
    smtp.refusing = true;
    const refusedBefore = smtp.refused;

    await publisher.publish(TenancyEvents.invitationCreated, event);

    await eventually(() => expect(smtp.refused - refusedBefore).toBeGreaterThanOrEqual(2), {
      timeoutMs: 10_000,
    });
    expect(countTo(event.email)).toBe(0);
    smtp.refusing = false;

    const mail = await smtp.waitFor(mailTo(event.email), 20_000);
    expect(tokenFromLink(mail.text, '/invitations/accept')).toBe(openEventToken(event.token));
    await untilSettled(TenancyEvents.invitationCreated);
    expect(countTo(event.email)).toBe(1);
  });

  it('reports Redis, where the email queue lives, and its event consumers on /ready', async () => {
    const response = await fetch(`${service.opsUrl}/ready`);
    const report = (await response.json()) as { status: string; checks: Record<string, { status: string }> };
    expect(response.status).toBe(200);
    expect(report.checks['redis']).toEqual(expect.objectContaining({ status: 'up' }));
    expect(report.checks['durable-events']).toEqual(expect.objectContaining({ status: 'up' }));
  });
});
