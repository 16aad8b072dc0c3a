import { IdentityBroadcasts, IdentitySubjects, type SessionsRevokedEvent } from '@northstar/contracts';
import { listenToBroadcast } from '@northstar/messaging';
import type { RunningService } from '@northstar/service-runtime';
import {
  connectTestBus,
  eventually,
  openEventToken,
  startTestService,
  testSigner,
  type TestBus,
} from '@northstar/testing';
import { decode } from 'jsonwebtoken';
import type { Subscription } from 'nats';
import { randomUUID } from 'node:crypto';
import { asSession, client, latestDomainEvent, newAccount, PASSWORD } from '../../test/identity-testing';
import { identityService } from '../identity.service-definition';

let service: RunningService;
let bus: TestBus;
let subscription: Subscription;
const heard: SessionsRevokedEvent[] = [];

beforeAll(async () => {
  service = await startTestService(identityService);
  bus = await connectTestBus();
  subscription = listenToBroadcast(bus.connection, testSigner(), IdentityBroadcasts.sessionsRevoked, {
    onEvent: (payload) => heard.push(payload as SessionsRevokedEvent),
  });
  await bus.connection.flush();
});

afterAll(async () => {
  subscription?.unsubscribe();
  await bus?.close();
  await service?.close();
});

const sessionOf = (accessToken: string) => (decode(accessToken) as { sid: string }).sid;
const status = (userId: string, sessionId: string) =>
  bus.bus.send(IdentitySubjects.sessionStatus, { userId, sessionId });
const broadcastFor = (userId: string) =>
  eventually(() => {
    const event = heard.find((candidate) => candidate.userId === userId);
    if (!event) throw new Error(`no revocation broadcast for user ${userId}`);
    return event;
  });

describe('session revocations', () => {
  it('logout: the session is announced to the gateways and no longer active', async () => {
    const account = await newAccount(bus);
    const userId = account.login.user.id;
    const sessionId = sessionOf(account.login.accessToken);
    await expect(status(userId, sessionId)).resolves.toEqual({ active: true });

    await bus.bus.send(IdentitySubjects.logout, {
      refreshToken: account.login.refreshToken,
      client: client(),
    });

    expect(await broadcastFor(userId)).toEqual({
      userId,
      sessionIds: [sessionId],
      reason: 'logout',
      revokedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    await expect(status(userId, sessionId)).resolves.toEqual({ active: false });
  });

  it('a password reset announces every live session of the user, once', async () => {
    const account = await newAccount(bus);
    const userId = account.login.user.id;
    const second = asSession(
      await bus.bus.send(IdentitySubjects.login, {
        email: account.email,
        password: PASSWORD,
        client: client(),
      }),
    );
    const since = new Date(Date.now() - 1000);
    await bus.bus.send(IdentitySubjects.forgotPassword, { email: account.email, client: client() });
    const { resetToken } = await latestDomainEvent(
      bus,
      'identity.password_reset.requested',
      account.email,
      since,
    );

    await bus.bus.send(IdentitySubjects.resetPassword, {
      token: openEventToken(resetToken),
      password: 'a brand new passphrase',
      client: client(),
    });

    const event = await broadcastFor(userId);
    expect(event.reason).toBe('password_reset');
    expect([...event.sessionIds].sort()).toEqual(
      [sessionOf(account.login.accessToken), sessionOf(second.accessToken)].sort(),
    );
    for (const sessionId of event.sessionIds) {
      await expect(status(userId, sessionId)).resolves.toEqual({ active: false });
    }
    expect(heard.filter((candidate) => candidate.userId === userId)).toHaveLength(1);
  });

  it('answers a session as inactive for another user, or an unknown one', async () => {
    const account = await newAccount(bus);
    const sessionId = sessionOf(account.login.accessToken);

    await expect(status(randomUUID(), sessionId)).resolves.toEqual({ active: false });
    await expect(status(account.login.user.id, randomUUID())).resolves.toEqual({ active: false });
  });
});
