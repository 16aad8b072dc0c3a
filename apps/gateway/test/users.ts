import { openEventToken } from '@northstar/testing';
import type {
  DurableEventPayload,
  PasswordResetRequestedEvent,
  UserRegisteredEvent,
} from '@northstar/contracts';
import { randomBytes, randomUUID } from 'node:crypto';
import { connect, DeliverPolicy, JSONCodec } from 'nats';
import { e2eEnv, eventually } from './support';

// Test factories for users, shared by every end-to-end suite that needs a signed-in caller.

export const TEST_PASSWORD = 'correct horse battery staple';

/** A user as the API shows it (register, login, GET /v1/me). */
export interface PublicUser {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
  mfaEnabled: boolean;
  role: 'user' | 'admin';
  createdAt: string;
}

export interface SignedUpUser {
  user: PublicUser;
  /** The email as sent at registration (mixed case allowed); `user.email` is the stored, lower-cased one. */
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

/** An email nobody else uses, so that tests never collide with each other or with leftovers. */
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomUUID()}@e2e.northstar.test`;
}

/**
 * An `X-Forwarded-For` of its own (a documentation address with random low bits). A gateway started
 * with TRUST_PROXY=true then sees each test user as a different client, so identity's per-IP limit on
 * the auth routes counts them apart; without TRUST_PROXY the header is ignored.
 */
export function clientAddress(): Record<string, string> {
  const [a, b] = randomBytes(2);
  return { 'x-forwarded-for': `203.0.${a}.${b}` };
}

export function authHeader(accessToken: string): Record<string, string> {
  return { authorization: `Bearer ${accessToken}` };
}

export const jsonHeaders = { 'content-type': 'application/json' } as const;

/** POSTs a JSON body; `headers` are added to the JSON content type. */
export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { ...jsonHeaders, ...headers }, body: JSON.stringify(body) });
}

async function expectOk<T>(response: Response, what: string): Promise<T> {
  const text = await response.text();
  if (!response.ok) throw new Error(`${what} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Registers a new user through the gateway, then logs it in. */
export async function signUp(
  gatewayUrl: string,
  overrides: { email?: string; password?: string; name?: string } = {},
): Promise<SignedUpUser> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? TEST_PASSWORD;
  const name = overrides.name ?? 'Test User';
  const from = clientAddress();
  const registered = await expectOk<{ user: PublicUser }>(
    await postJson(`${gatewayUrl}/v1/auth/register`, { email, password, name }, from),
    'POST /v1/auth/register',
  );
  const tokens = await logIn(gatewayUrl, email, password, from);
  return { user: registered.user, email, password, ...tokens };
}

export async function logIn(
  gatewayUrl: string,
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<{ accessToken: string; refreshToken: string }> {
  const body = await expectOk<{ accessToken: string; refreshToken: string }>(
    await postJson(`${gatewayUrl}/v1/auth/login`, { email, password }, headers),
    'POST /v1/auth/login',
  );
  return { accessToken: body.accessToken, refreshToken: body.refreshToken };
}

/**
 * Finds the durable event identity published for `email` on `subject` (JetStream stream
 * DOMAIN_EVENTS), as the notifications service would receive it. Reads with an ordered, ephemeral
 * consumer from `since` on, so nothing durable is left behind; polls until the event shows up.
 */
export async function findDomainEvent<
  E extends 'identity.user.registered' | 'identity.password_reset.requested',
>(
  subject: E,
  email: string,
  { since = new Date(Date.now() - 5 * 60_000), timeoutMs = 5000 }: { since?: Date; timeoutMs?: number } = {},
): Promise<DurableEventPayload<E>> {
  const connection = await connect({
    servers: (e2eEnv()['NATS_URL'] ?? '').split(','),
    name: 'gateway-e2e-events',
    maxReconnectAttempts: 0,
  });
  const codec = JSONCodec<DurableEventPayload<E>>();
  const wanted = email.toLowerCase();
  try {
    const js = connection.jetstream();
    return await eventually(
      async () => {
        const consumer = await js.consumers.get('DOMAIN_EVENTS', {
          // A single subject as a string: nats-server 2.9 knows no filter_subjects list.
          filterSubjects: `domain.${subject}`,
          deliver_policy: DeliverPolicy.StartTime,
          opt_start_time: since.toISOString(),
        });
        let found: DurableEventPayload<E> | undefined;
        for (;;) {
          const message = await consumer.next({ expires: 1000 });
          if (!message) break;
          const payload = codec.decode(message.data);
          // The latest match wins: each forgot-password request publishes its own event.
          if (payload.email.toLowerCase() === wanted) found = payload;
          if (message.info.pending === 0) break;
        }
        if (!found) throw new Error(`No ${subject} event for ${email}`);
        return found;
      },
      { timeoutMs, intervalMs: 100 },
    );
  } finally {
    await connection.close();
  }
}

/** The plaintext email-verification token identity generated at registration of `email`. */
export async function verificationTokenFor(email: string): Promise<string> {
  const event: UserRegisteredEvent = await findDomainEvent('identity.user.registered', email);
  return openEventToken(event.verificationToken);
}

/** The plaintext reset token of the latest forgot-password request for `email`. */
export async function resetTokenFor(email: string, since?: Date): Promise<string> {
  const event: PasswordResetRequestedEvent = await findDomainEvent(
    'identity.password_reset.requested',
    email,
    {
      since,
    },
  );
  return openEventToken(event.resetToken);
}

/** Confirms the user's email with the token of its verification email, as the user would. */
export async function verifyEmail(gatewayUrl: string, email: string): Promise<void> {
  const token = await verificationTokenFor(email);
  const response = await postJson(`${gatewayUrl}/v1/auth/verify-email`, { token }, clientAddress());
  if (response.status !== 204) {
    throw new Error(`POST /v1/auth/verify-email answered ${response.status}: ${await response.text()}`);
  }
}

/** signUp, then verify the email (tenancy accepts invitations only for verified emails). */
export async function signUpVerified(
  gatewayUrl: string,
  overrides: { email?: string; password?: string; name?: string } = {},
): Promise<SignedUpUser> {
  const signedUp = await signUp(gatewayUrl, overrides);
  await verifyEmail(gatewayUrl, signedUp.email);
  return { ...signedUp, user: { ...signedUp.user, emailVerified: true } };
}

/**
 * A platform admin: signs up with an address of NORTHSTAR_ADMIN_EMAILS, verifies it, and logs in
 * again, since tokens issued before verification carry the `user` role.
 */
export async function signUpPlatformAdmin(gatewayUrl: string, email: string): Promise<SignedUpUser> {
  const signedUp = await signUpVerified(gatewayUrl, { email });
  const tokens = await logIn(gatewayUrl, email, signedUp.password, clientAddress());
  return { ...signedUp, ...tokens };
}
