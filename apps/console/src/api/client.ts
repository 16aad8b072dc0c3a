import { ApiError } from './problem';
import { routeUrl } from './route-url';
import type { Operations, Route } from './schema.gen';
import { session } from './session';

export { ApiError } from './problem';

/** The network failed or the answer was not JSON: shown like a problem so screens handle one type. */
function networkError(error: unknown): ApiError {
  return new ApiError(0, {
    title: 'Network error',
    detail: `The server could not be reached (${error instanceof Error ? error.message : String(error)}).`,
  });
}

type Part<T> = [T] extends [never] ? { [key: string]: never } : T;
type Need<Key extends string, T> = [T] extends [never] ? { [K in Key]?: never } : { [K in Key]: T };

/** What a call of a route takes: its path parameters, query and body, as the OpenAPI document says. */
export type CallOptions<R extends Route> = Need<'path', Operations[R]['path']> & {
  query?: Partial<Part<Operations[R]['query']>>;
} & Need<'body', Operations[R]['body']> & {
    signal?: AbortSignal;
  };

export type ResponseOf<R extends Route> = Operations[R]['response'];

async function send(
  route: Route,
  options: CallOptions<Route>,
  accessToken: string | null,
): Promise<Response> {
  const method = route.slice(0, route.indexOf(' '));
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (accessToken) headers['authorization'] = `Bearer ${accessToken}`;
  try {
    return await fetch(routeUrl(route, options.path as Record<string, string> | undefined, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw networkError(error);
  }
}

async function read<R extends Route>(response: Response): Promise<ResponseOf<R>> {
  const text = await response.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      if (response.ok) throw networkError(new Error('the answer was not JSON'));
    }
  }
  if (!response.ok) {
    throw new ApiError(response.status, typeof body === 'object' && body !== null ? (body as object) : {});
  }
  return body as ResponseOf<R>;
}

// Routes that take no user token: sign-in and the like must never trigger a refresh.
const isAuthRoute = (route: string) => route.includes(' /v1/auth/');

/**
 * Calls a route of the public API, same origin. The access token is added when signed in; a 401 on a
 * signed-in call refreshes the session once and repeats the call (the access token lives 15 minutes).
 */
export async function api<R extends Route>(route: R, options: CallOptions<R>): Promise<ResponseOf<R>> {
  const opts = options as CallOptions<Route>;
  if (isAuthRoute(route)) return read<R>(await send(route, opts, null));
  let token = session.accessToken() ?? (session.hasRefreshToken() ? await session.refresh() : null);
  let response = await send(route, opts, token);
  if (response.status === 401 && token) {
    token = await session.refresh(token);
    if (token) response = await send(route, opts, token);
  }
  return read<R>(response);
}
