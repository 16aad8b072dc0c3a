// Pure helpers of the router and the shell, apart from React so that unit tests run them in Node.

export type Params = Record<string, string>;

/** The parameters of `pattern` (`/projects/:projectId/keys`) in `pathname`, or null if it does not match. */
export function matchPath(pattern: string, pathname: string): Params | null {
  const want = pattern.split('/').filter(Boolean);
  const have = pathname.replace(/\/+$/, '').split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Params = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) {
      try {
        params[want[i].slice(1)] = decodeURIComponent(have[i]);
      } catch {
        return null;
      }
    } else if (want[i] !== have[i]) return null;
  }
  return params;
}

/** A route's path with the given ids, or null when one is missing (no project chosen yet). */
export function fillPath(path: string, ids: Record<string, string | undefined>): string | null {
  let missing = false;
  const filled = path.replace(/:(\w+)/g, (_, name: string) => {
    const value = ids[name];
    if (!value) missing = true;
    return value ? encodeURIComponent(value) : '';
  });
  return missing ? null : filled;
}

/** A `next` parameter only ever leads inside the console (never `//evil.example` or `https://…`). */
export function safeNext(next: string | null | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}
