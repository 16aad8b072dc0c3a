import { BoundedCache } from './bounded-cache';
import { CountryLookup } from './country';
import { urlParts } from './page-url';
import { UserAgentParser } from './user-agent';

describe('UserAgentParser', () => {
  const parser = new UserAgentParser(2);

  it('names browser, OS and device of a desktop, a phone and a tablet', () => {
    expect(
      parser.parse(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      ),
    ).toEqual({
      browser: 'Chrome',
      browserVersion: '131.0.0.0',
      os: 'Windows',
      osVersion: '10',
      deviceType: 'desktop',
      deviceVendor: '',
      deviceModel: '',
    });
    expect(
      parser.parse(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
      ),
    ).toMatchObject({
      browser: 'Mobile Safari',
      os: 'iOS',
      osVersion: '17.1',
      deviceType: 'mobile',
      deviceVendor: 'Apple',
    });
    expect(
      parser.parse(
        'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
      ),
    ).toMatchObject({ os: 'iOS', deviceType: 'tablet', deviceModel: 'iPad' });
  });

  it('gives empty fields for no user agent or an unknown one', () => {
    const empty = {
      browser: '',
      browserVersion: '',
      os: '',
      osVersion: '',
      deviceType: '',
      deviceVendor: '',
      deviceModel: '',
    };
    expect(parser.parse(undefined)).toEqual(empty);
    expect(parser.parse('analytics-node-next/latest')).toEqual(empty);
  });

  it('answers a repeated user agent the same from its cache', () => {
    const ua = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
    const first = parser.parse(ua);
    expect(parser.parse(ua)).toBe(first);
    expect(first).toMatchObject({ browser: 'Firefox', os: 'Linux', deviceType: 'desktop' });
  });
});

describe('CountryLookup', () => {
  const countries = new CountryLookup();

  it('finds the country of public IPv4 addresses, mapped IPv6 included', () => {
    expect(countries.lookup('81.2.69.142')).toBe('GB');
    expect(countries.lookup('8.8.8.8')).toBe('US');
    expect(countries.lookup('::ffff:81.2.69.142')).toBe('GB');
  });

  it('gives no country for private, malformed, IPv6 or missing addresses', () => {
    for (const ip of [
      '10.1.2.3',
      '127.0.0.1',
      '192.168.0.1',
      'not-an-ip',
      '1.2.3',
      '2001:db8::1',
      '',
      undefined,
    ]) {
      expect(countries.lookup(ip)).toBe('');
    }
  });
});

describe('urlParts', () => {
  it('takes the lower-case host (with a non-default port) and the path', () => {
    expect(urlParts('https://App.Example.com/pricing?plan=pro#top')).toEqual({
      host: 'app.example.com',
      path: '/pricing',
    });
    expect(urlParts('http://localhost:3000/')).toEqual({ host: 'localhost:3000', path: '/' });
    expect(urlParts('https://example.com:443/a/b')).toEqual({ host: 'example.com', path: '/a/b' });
  });

  it('gives empty parts for what is not an absolute URL', () => {
    expect(urlParts('/relative/path')).toEqual({ host: '', path: '' });
    expect(urlParts('')).toEqual({ host: '', path: '' });
    expect(urlParts(undefined)).toEqual({ host: '', path: '' });
  });
});

describe('BoundedCache', () => {
  it('forgets the least recently used entry beyond its capacity', () => {
    const cache = new BoundedCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now more recent than b
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.size]).toEqual([1, 3, 2]);
  });
});
