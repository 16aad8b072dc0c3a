import {
  ACCESS_TOKEN,
  BusErrorCode,
  DEVELOPMENT_JWT_SECRET,
  IdentityBroadcasts,
  IdentitySubjects,
  type SessionStatusRequest,
  type SessionStatusResponse,
  type UserDto,
} from '@northstar/contracts';
import {
  connectTestBus,
  eventually,
  respondOnBus,
  testEnv,
  type StandInAnswer,
  type StandInResponder,
  type TestBus,
} from '@northstar/testing';
import { sign } from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { startGateway, type RunningGateway } from '../gateway.bootstrap';

// The gateway's session check on the real bus, identity stood in for: what it asks, how often, and
// what it answers when identity cannot be asked.

const RECHECK_SECONDS = 1;

let bus: TestBus;
let gateway: RunningGateway;
let identity: StandInResponder[] = [];
let questions: SessionStatusRequest[] = [];
let answerStatus: (request: SessionStatusRequest) => StandInAnswer<SessionStatusResponse>;

beforeAll(async () => {
  bus = await connectTestBus();
  gateway = await startGateway(
    testEnv({ PORT: '0', HOST: '127.0.0.1', SESSION_RECHECK_SECONDS: String(RECHECK_SECONDS) }),
  );
});

afterEach(() => {
  for (const responder of identity) responder.stop();
  identity = [];
  questions = [];
});

afterAll(async () => {
  await gateway?.close();
  await bus?.close();
});

/** Identity's status and `me` subjects, answered here; the status per `answerStatus`. */
async function standInIdentity(): Promise<void> {
  const queue = `identity-stand-in-${randomUUID()}`;
  identity.push(
    await respondOnBus<SessionStatusRequest, SessionStatusResponse>(
      bus.connection,
      IdentitySubjects.sessionStatus,
      queue,
      (request) => {
        questions.push(request);
        return answerStatus(request);
      },
    ),
    await respondOnBus<unknown, Partial<UserDto>>(bus.connection, IdentitySubjects.me, queue, () => ({
      response: { name: 'Ada' },
    })),
  );
}

function accessToken(userId = randomUUID(), sessionId = randomUUID()): string {
  return sign({ role: 'user', sid: sessionId, email: 'ada@example.test' }, DEVELOPMENT_JWT_SECRET, {
    algorithm: ACCESS_TOKEN.algorithm,
    subject: userId,
    issuer: ACCESS_TOKEN.issuer,
    audience: ACCESS_TOKEN.audience,
    expiresIn: ACCESS_TOKEN.ttlSeconds,
  });
}

const me = (token: string) =>
  fetch(`${gateway.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });

describe('the session of an access token', () => {
  it('is asked about once per SESSION_RECHECK_SECONDS, not on every request', async () => {
    answerStatus = () => ({ response: { active: true } });
    await standInIdentity();
    const userId = randomUUID();
    const sessionId = randomUUID();
    const token = accessToken(userId, sessionId);

    const started = Date.now();
    const statuses = await Promise.all(Array.from({ length: 5 }, () => me(token).then((r) => r.status)));
    for (let i = 0; i < 5; i += 1) statuses.push((await me(token)).status);
    const elapsed = Date.now() - started;

    expect(statuses).toEqual(Array.from({ length: 10 }, () => 200));
    // Once per window of RECHECK_SECONDS (one window, unless a busy machine made the ten requests slow).
    expect(questions.length).toBeLessThanOrEqual(1 + Math.floor(elapsed / (RECHECK_SECONDS * 1000)));
    expect(questions[0]).toEqual({ userId, sessionId });
    questions.splice(1);
    await new Promise((resolve) => setTimeout(resolve, RECHECK_SECONDS * 1000 + 100));
    expect((await me(token)).status).toBe(200);
    expect(questions).toHaveLength(2);
  });

  it('ended without a broadcast is refused at the next re-validation, and not asked about again', async () => {
    let active = true;
    answerStatus = () => ({ response: { active } });
    await standInIdentity();
    const token = accessToken();
    expect((await me(token)).status).toBe(200);

    active = false;
    const since = Date.now();
    await eventually(async () => expect((await me(token)).status).toBe(401), { timeoutMs: 3000 });
    // Within a window, give or take a busy machine's second.
    expect(Date.now() - since).toBeLessThanOrEqual(RECHECK_SECONDS * 1000 + 1500);
    const asked = questions.length;
    await new Promise((resolve) => setTimeout(resolve, RECHECK_SECONDS * 1000 + 100));
    expect((await me(token)).status).toBe(401);
    expect(questions).toHaveLength(asked);
  });

  it('named in a broadcast is refused at once, without asking identity', async () => {
    answerStatus = () => ({ response: { active: true } });
    await standInIdentity();
    const userId = randomUUID();
    const sessionId = randomUUID();
    const token = accessToken(userId, sessionId);
    expect((await me(token)).status).toBe(200);

    bus.bus.emit(IdentityBroadcasts.sessionsRevoked, {
      userId,
      sessionIds: [sessionId],
      reason: 'logout',
      revokedAt: new Date().toISOString(),
    });
    await bus.connection.flush();

    await eventually(async () => expect((await me(token)).status).toBe(401), { timeoutMs: 500 });
    expect(questions).toHaveLength(1);
  });

  it('is asked about again after an unreadable broadcast', async () => {
    answerStatus = () => ({ response: { active: true } });
    await standInIdentity();
    const token = accessToken();
    expect((await me(token)).status).toBe(200);

    bus.connection.publish(IdentityBroadcasts.sessionsRevoked, new TextEncoder().encode('{"data":{}}'));
    await bus.connection.flush();

    await eventually(async () => {
      expect((await me(token)).status).toBe(200);
      expect(questions).toHaveLength(2);
    });
  });

  it('answers 503 with Retry-After when identity cannot be asked, rather than let the token through', async () => {
    const response = await me(accessToken());

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toMatchObject({ detail: expect.stringMatching(/session/i) });
  });

  it('is refused when identity says the question is malformed (no such session)', async () => {
    answerStatus = () => ({ err: { code: BusErrorCode.ValidationFailed, message: 'invalid' } });
    await standInIdentity();

    expect((await me(accessToken())).status).toBe(401);
  });
});
