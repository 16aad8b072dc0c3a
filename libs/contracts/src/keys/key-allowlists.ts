import { isIP } from 'node:net';

/**
 * The syntax of a key's allowlists (`allowedOrigins`, `allowedIps`), shared by the keys service, which
 * validates and stores them, and the gateway, which compiles them once per cached key to match requests.
 */

/** Entries one allowlist of a key may have: enough for real deployments, bounded for the hot path. */
export const MAX_KEY_ALLOWLIST_ENTRIES = 50;
/** The longest entry of an allowlist (an origin is at most a scheme, a 253-character host and a port). */
export const MAX_KEY_ALLOWLIST_ENTRY_LENGTH = 300;

/** An origin pattern: `https://app.example.com`, or `https://*.example.com` for any subdomain. */
export interface OriginPattern {
  scheme: string;
  /** The host without the wildcard label: `example.com` for `https://*.example.com`. */
  host: string;
  /** null: the scheme's default port (the Origin header leaves it out). */
  port: number | null;
  wildcard: boolean;
}

const SCHEME = /^[a-z][a-z0-9+.-]{0,31}$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ws: 80, wss: 443 };

export const ORIGIN_PATTERN_MESSAGE =
  'must be an origin such as https://app.example.com or https://*.example.com: a scheme, a host and ' +
  'an optional port, without a path';

/**
 * Parses an origin (`scheme://host[:port]`, as browsers send in `Origin`) or, with `allowWildcard`,
 * an origin pattern whose host may start with a `*.` label standing for any subdomain. Lower-cases,
 * and drops a scheme's default port as browsers do. null when the text is not one.
 */
export function parseOriginPattern(value: string, allowWildcard = true): OriginPattern | null {
  const text = value.toLowerCase();
  const separator = text.indexOf('://');
  if (separator < 0) return null;
  const scheme = text.slice(0, separator);
  if (!SCHEME.test(scheme)) return null;
  let rest = text.slice(separator + 3);
  let port: number | null = null;
  // An IPv6 host is bracketed: its colons are not the port's.
  const portAt = rest.lastIndexOf(':');
  if (portAt > rest.lastIndexOf(']')) {
    const digits = rest.slice(portAt + 1);
    if (!/^[0-9]{1,5}$/.test(digits)) return null;
    port = Number(digits);
    if (port < 1 || port > 65_535) return null;
    rest = rest.slice(0, portAt);
  }
  if (port !== null && DEFAULT_PORTS[scheme] === port) port = null;
  const wildcard = rest.startsWith('*.');
  if (wildcard && !allowWildcard) return null;
  const host = wildcard ? rest.slice(2) : rest;
  if (!isOriginHost(host, wildcard)) return null;
  return { scheme, host, port, wildcard };
}

function isOriginHost(host: string, wildcard: boolean): boolean {
  if (host.startsWith('[') && host.endsWith(']')) return !wildcard && isIP(host.slice(1, -1)) === 6;
  if (host.length === 0 || host.length > 253) return false;
  const labels = host.split('.');
  if (!labels.every((label) => LABEL.test(label))) return false;
  // `*.com` would allow every site of a top-level domain: a wildcard needs a registrable domain.
  return !wildcard || (labels.length >= 2 && isIP(host) === 0);
}

/** The canonical text of a pattern: what the keys service stores and answers. */
export function formatOriginPattern(pattern: OriginPattern): string {
  return `${pattern.scheme}://${pattern.wildcard ? '*.' : ''}${pattern.host}${pattern.port === null ? '' : `:${pattern.port}`}`;
}

/** An entry of `allowedIps`: one address, or a CIDR range. */
export interface IpRange {
  address: string;
  family: 'ipv4' | 'ipv6';
  /** null: the single address. */
  prefix: number | null;
}

export const IP_RANGE_MESSAGE =
  'must be an IPv4 or IPv6 address or a CIDR range, such as 203.0.113.7, 198.51.100.0/24 or 2001:db8::/32';

export function parseIpRange(value: string): IpRange | null {
  const slash = value.indexOf('/');
  const address = slash < 0 ? value : value.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return null;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (slash < 0) return { address, family, prefix: null };
  const digits = value.slice(slash + 1);
  const prefix = Number(digits);
  if (!/^[0-9]{1,3}$/.test(digits) || prefix > (version === 4 ? 32 : 128)) return null;
  return { address, family, prefix };
}
