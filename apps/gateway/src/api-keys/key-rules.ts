import { parseIpRange, parseOriginPattern, type OriginPattern } from '@northstar/contracts';
import { BlockList, isIP } from 'node:net';

/**
 * Where a key may be used, compiled once when its record enters the gateway's cache, so that checking
 * a request costs a Set lookup or a BlockList check and no parsing of the lists. A rule is null when
 * the key's list is empty: no restriction.
 */
export interface KeyRules {
  origins: OriginAllowlist | null;
  ips: IpAllowlist | null;
  chains: ChainAllowlist | null;
}

export interface OriginAllowlist {
  allows(origin: string): boolean;
}

export interface IpAllowlist {
  allows(ip: string): boolean;
}

export interface ChainAllowlist {
  slugs: ReadonlySet<string>;
  /** The EIP-155 ids of the slugs that have one, for events' `web3.chainId`. */
  chainIds: ReadonlySet<number>;
}

export const NO_RULES: KeyRules = Object.freeze({ origins: null, ips: null, chains: null });

export function compileKeyRules(lists: {
  allowedOrigins?: readonly string[];
  allowedIps?: readonly string[];
  allowedChains?: readonly string[];
  allowedChainIds?: readonly number[];
}): KeyRules {
  const origins = lists.allowedOrigins ?? [];
  const ips = lists.allowedIps ?? [];
  const chains = lists.allowedChains ?? [];
  if (origins.length === 0 && ips.length === 0 && chains.length === 0) return NO_RULES;
  return Object.freeze({
    origins: origins.length > 0 ? compileOriginAllowlist(origins) : null,
    ips: ips.length > 0 ? compileIpAllowlist(ips) : null,
    chains:
      chains.length > 0
        ? Object.freeze({ slugs: new Set(chains), chainIds: new Set(lists.allowedChainIds ?? []) })
        : null,
  });
}

/**
 * Exact origins go in a Set; `scheme://*.domain[:port]` patterns match any subdomain of the domain, at
 * any depth, but neither the domain itself nor a host that merely ends with its text
 * (`https://evil-example.com` is not a subdomain of example.com). An entry that does not parse (none
 * should: the keys service validated it) matches nothing.
 */
export function compileOriginAllowlist(entries: readonly string[]): OriginAllowlist {
  const exact = new Set<string>();
  const wildcards: OriginPattern[] = [];
  for (const entry of entries) {
    const pattern = parseOriginPattern(entry);
    if (!pattern) continue;
    if (pattern.wildcard) wildcards.push(pattern);
    else exact.add(originKey(pattern));
  }
  return {
    allows(origin: string): boolean {
      // The common case, an exact origin as the browser sends it, needs no parsing.
      if (exact.has(origin)) return true;
      const parsed = parseOriginPattern(origin, false);
      if (!parsed) return false;
      if (exact.has(originKey(parsed))) return true;
      return wildcards.some(
        (pattern) =>
          pattern.scheme === parsed.scheme &&
          pattern.port === parsed.port &&
          parsed.host.endsWith(`.${pattern.host}`),
      );
    },
  };
}

const originKey = (pattern: OriginPattern): string =>
  `${pattern.scheme}://${pattern.host}${pattern.port === null ? '' : `:${pattern.port}`}`;

/** Addresses and CIDR ranges in a BlockList; an IPv4-mapped IPv6 client address is checked as IPv4. */
export function compileIpAllowlist(entries: readonly string[]): IpAllowlist {
  const list = new BlockList();
  for (const entry of entries) {
    const range = parseIpRange(entry);
    if (!range) continue;
    if (range.prefix === null) list.addAddress(range.address, range.family);
    else list.addSubnet(range.address, range.prefix, range.family);
  }
  return {
    allows(ip: string): boolean {
      const address = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
      const version = isIP(address);
      if (version === 0) return false;
      return list.check(address, version === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
