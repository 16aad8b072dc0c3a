import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// The test side of fixtures/oidc-idp.mjs: starts the provider in a child process and plays the
// browser through its sign-in (redirects and cookies by hand).

export interface OidcTestClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  token_endpoint_auth_method?: string;
}

/** What the provider says about the user signing in. */
export interface IdpAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  amr?: string[];
}

export interface TestIdp {
  issuer: string;
  /** Registers the clients (their redirect URIs); the provider serves once they are set. */
  configure(clients: OidcTestClient[]): Promise<void>;
  close(): Promise<void>;
}

/** Starts the provider; it prints its issuer (a free loopback port) and waits for its clients. */
export async function startTestIdp(): Promise<TestIdp> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [join(__dirname, 'fixtures', 'oidc-idp.mjs')],
    { stdio: 'pipe' },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const lines = createInterface({ input: child.stdout });
  const messages: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  lines.on('line', (line) => {
    // oidc-provider prints its own warnings (development adapter, Node version) on stdout too.
    if (!line.startsWith('{')) return;
    messages.push(JSON.parse(line) as Record<string, unknown>);
    waiters.splice(0).forEach((wake) => wake());
  });
  const next = async (key: string): Promise<Record<string, unknown>> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const found = messages.find((message) => key in message);
      if (found) return found;
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`The test OIDC provider did not say "${key}" (stderr: ${stderr})`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  const { issuer } = (await next('issuer')) as { issuer: string };
  return {
    issuer,
    configure: async (clients) => {
      child.stdin.write(`${JSON.stringify({ clients })}\n`);
      await next('ready');
    },
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      await exited;
    },
  };
}

/** A loopback port free a moment ago: the gateway's, which the provider must know as redirect URI. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The cookies of one browser: the provider keeps its interaction and session in them. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  set(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  header(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key = '', raw = ''] = attribute.trim().split('=');
        if (key.toLowerCase() === 'max-age') return Number(raw) <= 0;
        if (key.toLowerCase() === 'expires') return Date.parse(raw) <= Date.now();
        return false;
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** A GET without following redirects, through the jar. */
export async function browse(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, {
    ...init,
    redirect: 'manual',
    headers: { ...jar.header(), ...(init.headers as Record<string, string> | undefined) },
  });
  jar.take(response);
  return response;
}

function locationOf(response: Response, base: string): string {
  const location = response.headers.get('location');
  if (!location || response.status < 300 || response.status >= 400) {
    throw new Error(`Expected a redirect from ${base}, got ${response.status}`);
  }
  return new URL(location, base).toString();
}

/**
 * Plays the browser at the provider, from its authorisation URL until it redirects to `untilPrefix`
 * (the gateway's callback): signs `account` in and consents. Returns that final redirect URL.
 */
export async function authorizeAtIdp(
  jar: CookieJar,
  authorizationUrl: string,
  account: IdpAccount,
  untilPrefix: string,
): Promise<string> {
  let url = authorizationUrl;
  for (let step = 0; step < 12; step += 1) {
    if (url.startsWith(untilPrefix)) return url;
    const interaction = /\/interaction\/([^/?]+)$/.exec(new URL(url).pathname);
    if (interaction) {
      const details = await browse(jar, url);
      if (details.status !== 200)
        throw new Error(`Interaction ${url}: ${details.status} ${await details.text()}`);
      const { prompt } = (await details.json()) as { prompt: string };
      const action = prompt === 'login' ? 'login' : 'consent';
      const finished = await browse(jar, `${url}/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(action === 'login' ? account : {}),
      });
      url = locationOf(finished, url);
      continue;
    }
    const response = await browse(jar, url);
    url = locationOf(response, url);
  }
  throw new Error(`The provider never redirected to ${untilPrefix}`);
}

/**
 * Signs in at the gateway through `provider` as a new provider account with this verified email, as a
 * browser would, and answers the login answer of the exchange: links an identity to the account of
 * that email (a verified one keeps its password), or makes the account.
 */
export async function signInThroughIdp(
  gatewayUrl: string,
  provider: string,
  email: string,
): Promise<{ accessToken: string; user: { id: string } }> {
  const browser = new CookieJar();
  const started = await browse(browser, `${gatewayUrl}/v1/auth/oidc/${provider}/start`);
  const authorizationUrl = started.headers.get('location');
  if (started.status !== 302 || !authorizationUrl)
    throw new Error(
      `GET /v1/auth/oidc/${provider}/start answered ${started.status}: ${await started.text()}`,
    );
  const callbackUrl = await authorizeAtIdp(
    browser,
    authorizationUrl,
    { sub: `sub-${randomUUID()}`, email, email_verified: true },
    `${gatewayUrl}/v1/auth/oidc/${provider}/callback`,
  );
  const back = await browse(browser, callbackUrl);
  const code = new URL(back.headers.get('location') ?? '', gatewayUrl).searchParams.get('code');
  if (!code) throw new Error(`The callback answered ${back.status}, to ${back.headers.get('location')}`);
  const exchanged = await fetch(`${gatewayUrl}/v1/auth/oidc/exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  });
  const text = await exchanged.text();
  if (exchanged.status !== 200)
    throw new Error(`POST /v1/auth/oidc/exchange answered ${exchanged.status}: ${text}`);
  return JSON.parse(text) as { accessToken: string; user: { id: string } };
}
