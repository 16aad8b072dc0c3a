import { parseTrustProxy, trustProxyProblem } from './trust-proxy';

describe('TRUST_PROXY', () => {
  it('reads false, a hop count, or addresses and ranges', () => {
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('')).toBe(false);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy(' 10.0.0.0/8, 192.0.2.1 ,::1 ')).toEqual(['10.0.0.0/8', '192.0.2.1', '::1']);
  });

  it('accepts well-formed entries and names a bad one', () => {
    expect(trustProxyProblem(['10.0.0.0/8', '2001:db8::/32', '127.0.0.1'], true)).toBeNull();
    expect(trustProxyProblem(1, true)).toBeNull();
    expect(trustProxyProblem(['10.0.0.0/33'], false)).toMatch(/"10.0.0.0\/33" is not/);
    expect(trustProxyProblem(['proxy.internal'], false)).toMatch(/"proxy.internal" is not/);
    expect(trustProxyProblem(0.5, false)).toMatch(/hop count/);
  });

  it('refuses to trust every sender in production', () => {
    expect(trustProxyProblem(true, false)).toBeNull();
    expect(trustProxyProblem(true, true)).toMatch(/list the proxies/);
  });
});
