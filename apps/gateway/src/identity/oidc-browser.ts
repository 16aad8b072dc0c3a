import { DomainException } from '@northstar/contracts';
import type { FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../config';

/**
 * Binds a sign-in (or a link) to the browser that started it. Without it, anyone could start a
 * sign-in with their own provider account and send the callback link to a victim, whose console would
 * then be signed in as the attacker (login CSRF). SameSite=Lax: sent on the provider's top-level
 * redirect back.
 */
export const STATE_COOKIE = 'northstar_oidc_state';
const STATE_COOKIE_PATH = '/v1/auth/oidc';
// Outlives identity's record of the state (OIDC_STATE_TTL_SECONDS, at most an hour): that one decides.
export const STATE_COOKIE_MAX_AGE_SECONDS = 3600;

export function stateCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${STATE_COOKIE}=${value}`,
    `Path=${STATE_COOKIE_PATH}`,
    `Max-Age=${maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export function cookieOf(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

export function notThisBrowser(): DomainException {
  return DomainException.invalid(
    [{ field: 'state', message: 'state belongs to no sign-in started in this browser' }],
    'This sign-in was not started in this browser: start it again',
  );
}

export function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

export function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The redirect URI registered at providers: the callback route, on the public API origin. */
export function oidcCallbackUrl(config: GatewayConfig, provider: string, request: FastifyRequest): string {
  const base = config.PUBLIC_API_URL ? withoutTrailingSlash(config.PUBLIC_API_URL) : originOf(request);
  return `${base}/v1/auth/oidc/${provider}/callback`;
}
