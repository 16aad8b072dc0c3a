import type { LoginResponse, TokenPairResponse } from './schema.gen';

// The session lives in two places on purpose:
// - the access token (15 minutes) only in memory, so a script injected later cannot read one from
//   storage and it is gone with the tab;
// - the refresh token (30 days, rotating) in localStorage, so a reload or a new tab stays signed in:
//   the API takes it in the body of /v1/auth/refresh, not as an HttpOnly cookie the console could
//   rely on instead. Rotation limits a stolen one: its next use by either party is "reuse" and
//   revokes the whole session.
// Tabs share the stored token, so refreshes are serialised across tabs (Web Locks) and each reads the
// newest token inside the lock: two tabs rotating the same token would look like reuse.
const REFRESH_KEY = 'northstar.refreshToken';
const LOCK_NAME = 'northstar.refresh';

type Listener = () => void;

let accessToken: string | null = null;
let inFlight: Promise<string | null> | null = null;
const listeners = new Set<Listener>();

function storedRefreshToken(): string | null {
  try {
    return localStorage.getItem(REFRESH_KEY);
  } catch {
    return null;
  }
}

function storeRefreshToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(REFRESH_KEY, token);
    else localStorage.removeItem(REFRESH_KEY);
  } catch {
    // Storage off (private mode): the session then lasts as long as the access token.
  }
}

function notify(): void {
  for (const listener of listeners) listener();
}

async function rotate(): Promise<string | null> {
  const refreshToken = storedRefreshToken();
  if (!refreshToken) return null;
  let response: Response;
  try {
    response = await fetch('/v1/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
  } catch {
    // Offline: keep the stored token for the next try rather than signing out.
    return null;
  }
  if (!response.ok) {
    // 401 means the session is over (expired, revoked, reused); other statuses are transient.
    if (response.status === 400 || response.status === 401) {
      storeRefreshToken(null);
      accessToken = null;
      notify();
    }
    return null;
  }
  const pair = (await response.json()) as TokenPairResponse;
  storeRefreshToken(pair.refreshToken);
  accessToken = pair.accessToken;
  return accessToken;
}

export const session = {
  accessToken: (): string | null => accessToken,
  hasRefreshToken: (): boolean => storedRefreshToken() !== null,
  isSignedIn: (): boolean => accessToken !== null || storedRefreshToken() !== null,

  /** Keeps the tokens of a login answer. */
  start(answer: Pick<LoginResponse, 'accessToken' | 'refreshToken'>): void {
    accessToken = answer.accessToken;
    storeRefreshToken(answer.refreshToken);
    notify();
  },

  /** Forgets the tokens; the caller tells the API first (logout) when it can. */
  end(): void {
    accessToken = null;
    storeRefreshToken(null);
    notify();
  },

  storedRefreshToken,

  /**
   * A new access token from the stored refresh token, once for all concurrent callers; `stale` is the
   * token that just failed, so a caller that lost the race gets the newer one without rotating again.
   */
  refresh(stale?: string): Promise<string | null> {
    if (stale !== undefined && accessToken !== null && accessToken !== stale)
      return Promise.resolve(accessToken);
    if (inFlight) return inFlight;
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    // The lock's promise resolves with the callback's result, i.e. rotate()'s value.
    const run = locks ? locks.request(LOCK_NAME, rotate).then((token) => token) : rotate();
    const pending = run.finally(() => {
      inFlight = null;
    });
    inFlight = pending;
    return pending;
  },

  /** Called whenever the signed-in state changes (sign-in, sign-out, a session ended elsewhere). */
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

// Another tab signed out (or in): follow it.
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key !== REFRESH_KEY) return;
    if (event.newValue === null) accessToken = null;
    notify();
  });
}
