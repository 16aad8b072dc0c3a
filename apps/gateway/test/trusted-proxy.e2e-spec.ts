import { identityService } from './platform-services';
import type { RunningService } from '@northstar/service-runtime';
import type { RunningGateway } from '../src/gateway.bootstrap';
import { getJson, startTestGateway, startTestService } from './support';
import { authHeader, postJson, signUp } from './users';

// Whose X-Forwarded-For the gateway believes decides the client address that per-address limits and
// the session list see: only that of the configured proxies, and only their hops.

describe('the client address behind proxies (TRUST_PROXY)', () => {
  let identity: RunningService;
  let direct: RunningGateway;
  let behindLoopbackProxy: RunningGateway;

  beforeAll(async () => {
    identity = await startTestService(identityService);
    // Tests reach the gateways from 127.0.0.1: a proxy in the first list, not in the second.
    direct = await startTestGateway({ TRUST_PROXY: '10.0.0.0/8,192.0.2.1' });
    behindLoopbackProxy = await startTestGateway({ TRUST_PROXY: '127.0.0.1' });
  });

  afterAll(async () => {
    await direct?.close();
    await behindLoopbackProxy?.close();
    await identity?.close();
  });

  /** Logs in through a gateway with these headers; the address its session recorded. */
  async function addressSeen(gateway: RunningGateway, forwardedFor: string): Promise<string> {
    const user = await signUp(gateway.url);
    const response = await postJson(
      `${gateway.url}/v1/auth/login`,
      { email: user.email, password: user.password },
      { 'x-forwarded-for': forwardedFor },
    );
    const { accessToken } = (await response.json()) as { accessToken: string };
    const { body } = await getJson<{ items: { ip: string; current: boolean }[] }>(
      `${gateway.url}/v1/me/sessions`,
      { headers: authHeader(accessToken) },
    );
    return body.items.find((session) => session.current)?.ip ?? '';
  }

  it('ignores X-Forwarded-For from a sender that is not a configured proxy', async () => {
    expect(await addressSeen(direct, '198.51.100.23')).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });

  it("takes the client from a configured proxy's X-Forwarded-For, and a client cannot prepend its own", async () => {
    expect(await addressSeen(behindLoopbackProxy, '198.51.100.23')).toBe('198.51.100.23');
    // The client sent "X-Forwarded-For: 203.0.113.9"; the proxy appended the address it saw.
    expect(await addressSeen(behindLoopbackProxy, '203.0.113.9, 198.51.100.23')).toBe('198.51.100.23');
  });
});
