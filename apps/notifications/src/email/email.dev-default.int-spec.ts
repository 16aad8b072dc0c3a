import type { UserRegisteredEvent } from '@northstar/contracts';
import { IdentityEvents } from '@northstar/contracts';
import type { RunningService } from '@northstar/service-runtime';
import {
  connectTestBus,
  eventually,
  parseMail,
  startTestService,
  testEnv,
  tokenFromLink,
  type TestBus,
  testEventPublisher,
} from '@northstar/testing';
import { Queue } from 'bullmq';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notificationsService } from '../notifications.service-definition';
import { EMAIL_QUEUE } from './email.jobs';

// The service as a developer runs it: no SMTP_URL, so every email lands in a file to read.
const QUEUE_PREFIX = `test-email-files-${randomUUID().slice(0, 8)}`;

let mailDir: string;
let service: RunningService;
let client: TestBus;

beforeAll(async () => {
  mailDir = await mkdtemp(join(tmpdir(), 'northstar-mail-'));
  service = await startTestService(notificationsService, { MAIL_DIR: mailDir, QUEUE_PREFIX });
  client = await connectTestBus();
});

afterAll(async () => {
  await service?.close();
  const queue = new Queue(EMAIL_QUEUE, { prefix: QUEUE_PREFIX, connection: { url: testEnv()['REDIS_URL'] } });
  await queue.obliterate({ force: true });
  await queue.close();
  await client?.close();
  if (mailDir) await rm(mailDir, { recursive: true, force: true });
});

it('writes each email to a readable .eml file when SMTP_URL is not set', async () => {
  const email = `dev-${randomUUID()}@notifications.test`;
  const event: UserRegisteredEvent = {
    userId: randomUUID(),
    email,
    name: 'Ada Lovelace',
    verificationToken: `${randomBytes(24).toString('base64')}+/=`,
    expiresAt: new Date(Date.now() + 24 * 3600_000).toISOString(),
  };
  const publisher = testEventPublisher(client.connection, 'notifications-int-spec');

  await publisher.publish(IdentityEvents.userRegistered, event);

  const file = await eventually(
    async () => {
      const names = (await readdir(mailDir)).filter((name) => name.includes(email));
      expect(names).toHaveLength(1);
      return join(mailDir, names[0] ?? '');
    },
    { timeoutMs: 10_000 },
  );
  expect(file).toMatch(/-verification-.*\.eml$/);
  const content = await readFile(file, 'utf8');
  // Readable as it is: the headers and the link exactly as a browser wants it, no encoding.
  expect(content).toContain(`To: ${email}`);
  expect(content).toContain('Subject: Confirm your email address for Northstar');
  expect(content).toContain(
    `http://localhost:3000/verify-email?token=${encodeURIComponent(event.verificationToken)}`,
  );
  const mail = parseMail(content);
  expect(mail.from).toBe('Northstar <no-reply@northstar.local>');
  expect(tokenFromLink(mail.text, '/verify-email')).toBe(event.verificationToken);
  expect(tokenFromLink(mail.html, '/verify-email')).toBe(event.verificationToken);
});
