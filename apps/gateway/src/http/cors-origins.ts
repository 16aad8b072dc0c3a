import { formatOriginPattern, parseOriginPattern } from '@northstar/contracts';

/**
 * CORS_ORIGINS, the origins whose pages may call the dashboard routes: `*` (any, outside production)
 * or a comma-separated list of origins written exactly as browsers send them in `Origin`, since
 * @fastify/cors compares them as strings (`https://app.example.com`, not `…/` or `…:443`).
 */
export function corsOriginsOf(value: string): true | string[] {
  return value.trim() === '*' ? true : splitOrigins(value);
}

/** Why the setting cannot be used, or null. */
export function corsOriginsProblem(value: unknown, production: boolean): string | null {
  if (typeof value !== 'string') return 'must be * or a comma-separated list of origins';
  if (value.trim() === '*') {
    return production
      ? '* lets any site call the dashboard routes from its pages: list the dashboard origins (https://app.example.com)'
      : null;
  }
  const origins = splitOrigins(value);
  if (origins.length === 0) return 'must be * or a comma-separated list of origins';
  for (const origin of origins) {
    const parsed = parseOriginPattern(origin, false);
    if (!parsed) return `${JSON.stringify(origin)} is not an origin (scheme://host[:port], no path)`;
    const canonical = formatOriginPattern(parsed);
    if (canonical !== origin)
      return `${JSON.stringify(origin)} must be written as browsers send it: ${canonical}`;
  }
  return null;
}

function splitOrigins(value: string): string[] {
  return value
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
}
