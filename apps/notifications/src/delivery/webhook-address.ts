import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

const MAX_URL_LENGTH = 2048;

type Cidr4 = readonly [base: string, bits: number, kind: string];

// Everything a webhook must not reach from inside the platform's network. Documentation and
// benchmark ranges are included: nobody runs a receiver there, and some networks route them inside.
const REFUSED_V4: readonly Cidr4[] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

/**
 * What kind of non-public address `ip` is (`loopback`, `private`, `link-local`, ...), or null for a
 * public one. IPv6 forms that carry an IPv4 address (v4-mapped, NAT64, 6to4, v4-compatible) are
 * judged by that address, since the packets end up there.
 */
export function nonPublicAddressKind(ip: string): string | null {
  const version = isIP(ip);
  if (version === 4) return v4Kind(v4ToNumber(ip));
  if (version !== 6) return 'invalid';
  const words = v6Words(ip);
  if (words === null) return 'invalid';
  const [w0, w1, w2, w3, w4, w5, w6, w7] = words;
  const embedded = (w6 << 16) + w7;
  const zeroPrefix = w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0 && w4 === 0;
  if (zeroPrefix && w5 === 0xffff) return v4Kind(embedded >>> 0);
  if (zeroPrefix && w5 === 0) {
    if (w6 === 0 && w7 === 0) return 'unspecified';
    if (w6 === 0 && w7 === 1) return 'loopback';
    return v4Kind(embedded >>> 0) ?? 'reserved';
  }
  if (w0 === 0x64 && w1 === 0xff9b && w2 === 0 && w3 === 0 && w4 === 0 && w5 === 0)
    return v4Kind(embedded >>> 0);
  if (w0 === 0x64 && w1 === 0xff9b && w2 === 1) return 'private';
  if (w0 === 0x2002) return v4Kind(((w1 << 16) + w2) >>> 0);
  if ((w0 & 0xfe00) === 0xfc00) return 'unique-local';
  if ((w0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((w0 & 0xffc0) === 0xfec0) return 'site-local';
  if ((w0 & 0xff00) === 0xff00) return 'multicast';
  if (w0 === 0x2001 && w1 === 0x0db8) return 'reserved';
  if (w0 === 0x0100 && w1 === 0 && w2 === 0 && w3 === 0) return 'reserved';
  return null;
}

function v4Kind(address: number): string | null {
  for (const [base, bits, kind] of REFUSED_V4) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if ((address & mask) >>> 0 === (v4ToNumber(base) & mask) >>> 0) return kind;
  }
  return null;
}

function v4ToNumber(ip: string): number {
  return ip.split('.').reduce((sum, part) => sum * 256 + Number(part), 0) >>> 0;
}

/** The eight 16-bit words of an IPv6 address (`::` expanded, a trailing dotted IPv4 split in two). */
function v6Words(ip: string): number[] | null {
  let text = ip.toLowerCase();
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = v4ToNumber(dotted[1]);
    tail.push(v4 >>> 16, v4 & 0xffff);
    text = text.slice(0, -dotted[1].length);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((word) => parseInt(word, 16)));
  const left = parse(head);
  const right = [...parse(rest ?? ''), ...tail];
  if (rest === undefined) return left.length + tail.length === 8 ? [...left, ...tail] : null;
  const missing = 8 - left.length - right.length;
  if (missing < 0) return null;
  return [...left, ...new Array<number>(missing).fill(0), ...right];
}

/** The host of a URL as a resolver or an address check wants it: IPv6 literals without brackets. */
export function urlHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * The target as it may be shown (history, logs): origin and path, without the query string, which
 * often carries a token of the receiver.
 */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    // Not a URL: its delivery fails with the reason; the history still must not show a query.
    return url.split(/[?#]/)[0] ?? '';
  }
}

/**
 * The target as it is shown to those who may not manage the alert: scheme and host (with its port) and
 * `/…`. Paths and queries of webhook URLs often carry the receiver's token (Slack's do), so they are
 * for admins and owners only.
 */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}/…`;
  } catch {
    return '…';
  }
}

/** The problems a URL has before anything is resolved: scheme, credentials, shape. */
export function webhookUrlShapeProblem(url: string): string | null {
  if (url.length > MAX_URL_LENGTH) return `the URL is longer than ${MAX_URL_LENGTH} characters`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'the URL is not a valid absolute URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'the URL must be http or https';
  if (parsed.username !== '' || parsed.password !== '') {
    return 'the URL must not contain credentials: put a token in the path or query, or use the signature';
  }
  if (urlHost(parsed) === '') return 'the URL has no host';
  return null;
}

/**
 * Why `addresses` (of `host`) may not be called, or null when all of them are public. The message names
 * neither the address nor its kind: it is shown to the caller and in the history, and the addresses a
 * name resolves to inside the platform's network are not theirs to learn (finding 7 of issue 14).
 */
export function refusedAddressProblem(host: string, addresses: readonly string[]): string | null {
  if (addresses.every((address) => nonPublicAddressKind(address) === null)) return null;
  const what = addresses.length === 1 && addresses[0] === host ? 'the host is' : 'the host resolves to';
  return `${what} a private or reserved address; webhooks may only target public addresses`;
}

/**
 * Problem with a webhook URL for the API's 400 (null when fine). Rejects non-http(s), credentials in
 * the URL, and — unless allowPrivate — hosts that are or resolve to non-public addresses. A name that
 * does not resolve is not a problem here (DNS may change before the first delivery); it fails then.
 */
export async function webhookUrlProblem(url: string, allowPrivate: boolean): Promise<string | null> {
  const shape = webhookUrlShapeProblem(url);
  if (shape !== null || allowPrivate) return shape;
  const host = urlHost(new URL(url));
  if (isIP(host)) return refusedAddressProblem(host, [host]);
  let addresses: string[];
  try {
    addresses = (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
  } catch {
    return null;
  }
  return refusedAddressProblem(host, addresses);
}
