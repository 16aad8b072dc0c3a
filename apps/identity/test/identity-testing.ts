import {
  IdentitySubjects,
  type ClientContext,
  type DurableEventPayload,
  type LoginResponse,
  type SignInResponse,
} from '@northstar/contracts';
import { eventually, type TestBus } from '@northstar/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { DeliverPolicy, JSONCodec } from 'nats';

// Helpers of identity's integration tests (not shipped: test/ is outside the build).

export const PASSWORD = 'correct horse battery staple';

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomUUID()}@int.northstar.test`;
}

/** A client address of the documentation range with random low bits, so per-IP limits never collide. */
export function client(overrides: Partial<ClientContext> = {}): ClientContext {
  const [a, b] = randomBytes(2);
  return { ip: `198.51.${a}.${b}`, userAgent: 'identity-int-spec/1.0', ...overrides };
}

export type IdentityEventSubject = 'identity.user.registered' | 'identity.password_reset.requested';

/**
 * The durable event identity published on `subject` for `email`, read back from JetStream with an
 * ephemeral ordered consumer, as notifications would receive it. All of them, oldest first.
 */
export async function domainEvents<E extends IdentityEventSubject>(
  bus: TestBus,
  subject: E,
  email: string,
  since: Date,
): Promise<DurableEventPayload<E>[]> {
  const codec = JSONCodec<DurableEventPayload<E>>();
  const consumer = await bus.connection.jetstream().consumers.get('DOMAIN_EVENTS', {
    // A single subject as a string: nats-server 2.9 knows no filter_subjects list.
    filterSubjects: `domain.${subject}`,
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: since.toISOString(),
  });
  const found: DurableEventPayload<E>[] = [];
  for (;;) {
    const message = await consumer.next({ expires: 1000 });
    if (!message) break;
    const payload = codec.decode(message.data);
    if (payload.email === email.toLowerCase()) found.push(payload);
    if (message.info.pending === 0) break;
  }
  return found;
}

/** The latest event for `email`, waiting briefly for it to be stored. */
export function latestDomainEvent<E extends IdentityEventSubject>(
  bus: TestBus,
  subject: E,
  email: string,
  since: Date,
): Promise<DurableEventPayload<E>> {
  return eventually(async () => {
    const events = await domainEvents(bus, subject, email, since);
    const latest = events[events.length - 1];
    if (!latest) throw new Error(`no ${subject} event for ${email}`);
    return latest;
  });
}

export interface TestAccount {
  email: string;
  password: string;
  login: LoginResponse;
}

/** Registers and logs in a fresh user over the bus. */
export async function newAccount(
  bus: TestBus,
  overrides: { email?: string; name?: string } = {},
): Promise<TestAccount> {
  const email = overrides.email ?? uniqueEmail();
  await bus.bus.send(IdentitySubjects.register, {
    email,
    password: PASSWORD,
    name: overrides.name ?? 'Test User',
    client: client(),
  });
  const login = asSession(
    await bus.bus.send(IdentitySubjects.login, { email, password: PASSWORD, client: client() }),
  );
  return { email, password: PASSWORD, login };
}

/** The session of a sign-in answer; fails the test when the answer asks for a second factor. */
export function asSession(answer: SignInResponse): LoginResponse {
  if ('mfaRequired' in answer) throw new Error('Expected a session, got a two-factor challenge');
  return answer;
}
