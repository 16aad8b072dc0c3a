import { isIP } from 'node:net';

/**
 * Which proxies' X-Forwarded-For the gateway believes, as Fastify's `trustProxy` takes it: nobody's
 * (false), the nearest N hops (a number), or the proxies at these addresses or ranges. Trusting every
 * sender (`true`) would let any client choose its address, and so its per-address limits, and is
 * refused in production.
 */
export type TrustProxy = boolean | number | string[];

/** TRUST_PROXY as written in the environment: `false`, a hop count, or `10.0.0.0/8,192.168.1.2`. */
export function parseTrustProxy(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text === '' || text === 'false' || text === '0') return false;
  if (text === 'true') return true;
  if (/^\d+$/.test(text)) return Number(text);
  return text.split(',').map((entry) => entry.trim());
}

/** Why a parsed TRUST_PROXY is unusable, or null. */
export function trustProxyProblem(value: unknown, production: boolean): string | null {
  if (value === false) return null;
  if (value === true) {
    return production
      ? 'true trusts any client to name its own address: list the proxies (addresses or CIDR ranges) or give the hop count'
      : null;
  }
  if (typeof value === 'number')
    return Number.isInteger(value) && value >= 1 && value <= 10 ? null : 'hop count must be 1 to 10';
  if (!Array.isArray(value) || value.length === 0)
    return 'must be false, a hop count, or addresses / CIDR ranges';
  const bad = value.find((entry) => typeof entry !== 'string' || !isAddressOrRange(entry));
  return bad === undefined ? null : `${JSON.stringify(bad)} is not an IP address or CIDR range`;
}

function isAddressOrRange(entry: string): boolean {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
