import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { formatOriginPattern, parseIpRange, parseOriginPattern } from './key-allowlists';
import { CreateKeyBody, UpdateKeyBody } from './keys.contract';

const canonical = (value: string): string | null => {
  const pattern = parseOriginPattern(value);
  return pattern ? formatOriginPattern(pattern) : null;
};

describe('origin patterns', () => {
  it.each([
    ['https://app.example.com', 'https://app.example.com'],
    ['HTTPS://App.Example.COM', 'https://app.example.com'],
    ['https://app.example.com:443', 'https://app.example.com'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['https://*.example.com', 'https://*.example.com'],
    ['https://*.example.co.uk:8443', 'https://*.example.co.uk:8443'],
    ['http://[::1]:8080', 'http://[::1]:8080'],
    ['capacitor://localhost', 'capacitor://localhost'],
  ])('reads %s as %s', (value, expected) => {
    expect(canonical(value)).toBe(expected);
  });

  it.each([
    'app.example.com',
    'https://app.example.com/',
    'https://app.example.com/path',
    'https://app.example.com?x=1',
    'https://user@app.example.com',
    'https://*.com',
    'https://*example.com',
    'https://a.*.example.com',
    'https://*.*.example.com',
    'https://*.10.0.0.1',
    'https://app.example.com:0',
    'https://app.example.com:65536',
    'https://-bad.example.com',
    'https://app..example.com',
    'https://',
    '*',
    'null',
  ])('refuses %s', (value) => {
    expect(parseOriginPattern(value)).toBeNull();
  });

  it('refuses a wildcard where only an origin may be (a request Origin header)', () => {
    expect(parseOriginPattern('https://*.example.com', false)).toBeNull();
  });
});

describe('IP ranges', () => {
  it.each([
    ['203.0.113.7', { address: '203.0.113.7', family: 'ipv4', prefix: null }],
    ['198.51.100.0/24', { address: '198.51.100.0', family: 'ipv4', prefix: 24 }],
    ['0.0.0.0/0', { address: '0.0.0.0', family: 'ipv4', prefix: 0 }],
    ['2001:db8::/32', { address: '2001:db8::', family: 'ipv6', prefix: 32 }],
    ['::1', { address: '::1', family: 'ipv6', prefix: null }],
  ])('reads %s', (value, expected) => {
    expect(parseIpRange(value)).toEqual(expected);
  });

  it.each([
    '203.0.113',
    '203.0.113.7/33',
    '2001:db8::/129',
    '10.0.0.0/',
    '10.0.0.0/8/8',
    'example.com',
    '10.0.0.0/-1',
  ])('refuses %s', (value) => {
    expect(parseIpRange(value)).toBeNull();
  });
});

function invalidFields<T extends object>(type: new () => T, value: object): string[] {
  return validateSync(plainToInstance(type, value), { whitelist: true, forbidNonWhitelisted: true }).map(
    (error) => error.property,
  );
}

describe('allowlists in key bodies', () => {
  const key = { name: 'Browser', scopes: ['events:write'] };

  it('accepts origins, addresses and chain slugs, and null or [] for none', () => {
    expect(
      invalidFields(CreateKeyBody, {
        ...key,
        allowedOrigins: ['https://app.example.com', 'https://*.example.com'],
        allowedIps: ['203.0.113.7', '2001:db8::/32'],
        allowedChains: ['ethereum'],
      }),
    ).toEqual([]);
    expect(
      invalidFields(UpdateKeyBody, { allowedOrigins: null, allowedIps: [], allowedChains: null }),
    ).toEqual([]);
  });

  it('names each list with a bad entry, a duplicate or too many entries', () => {
    expect(
      invalidFields(CreateKeyBody, {
        ...key,
        allowedOrigins: ['https://example.com/app'],
        allowedIps: ['10.0.0.0/40'],
        allowedChains: ['Ethereum!'],
      }),
    ).toEqual(['allowedOrigins', 'allowedIps', 'allowedChains']);
    expect(invalidFields(UpdateKeyBody, { allowedIps: ['10.0.0.1', '10.0.0.1'] })).toEqual(['allowedIps']);
    const many = Array.from({ length: 51 }, (_, index) => `10.0.0.${index}`);
    expect(invalidFields(UpdateKeyBody, { allowedIps: many })).toEqual(['allowedIps']);
    expect(invalidFields(UpdateKeyBody, { allowedOrigins: 'https://example.com' })).toEqual([
      'allowedOrigins',
    ]);
  });
});
