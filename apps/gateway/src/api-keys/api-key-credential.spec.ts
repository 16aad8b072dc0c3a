import { presentedApiKey } from './api-key-credential';

const key = `nsk_live_${'A1b2C3d4'.repeat(4)}`;
const basic = (user: string, password = '') =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('presentedApiKey', () => {
  it.each([
    ['X-Api-Key', { 'x-api-key': key }],
    ['X-Api-Key with spaces around', { 'x-api-key': `  ${key} ` }],
    ['Authorization: Bearer', { authorization: `Bearer ${key}` }],
    ['Authorization: bearer (any case)', { authorization: `bEaReR ${key}` }],
    ['HTTP Basic with an empty password (Segment SDKs)', { authorization: basic(key) }],
    ['HTTP Basic without the colon', { authorization: `Basic ${Buffer.from(key).toString('base64')}` }],
    ['the same key twice', { 'x-api-key': key, authorization: `Bearer ${key}` }],
  ])('finds the key in %s', (_name, headers) => {
    expect(presentedApiKey(headers)).toEqual({ kind: 'key', key });
  });

  it.each([
    ['no header', {}],
    ['a user JWT', { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' }],
    ['Basic credentials of a person', { authorization: basic('ada@example.com', 'secret') }],
    ['an empty X-Api-Key', { 'x-api-key': '  ' }],
    ['a bare scheme', { authorization: 'Bearer' }],
  ])('finds none with %s', (_name, headers) => {
    expect(presentedApiKey(headers)).toEqual({ kind: 'none' });
  });

  it('passes on a value that only looks like a key, for verification to refuse', () => {
    expect(presentedApiKey({ 'x-api-key': 'not-a-key' })).toEqual({ kind: 'key', key: 'not-a-key' });
  });

  it('refuses two different keys, and a key with a Basic password', () => {
    const other = `nsk_live_${'Z9y8X7w6'.repeat(4)}`;
    expect(presentedApiKey({ 'x-api-key': key, authorization: `Bearer ${other}` }).kind).toBe('ambiguous');
    expect(presentedApiKey({ authorization: basic(key, 'password') }).kind).toBe('ambiguous');
  });

  describe('with a writeKey from the body (routes that accept it)', () => {
    it('finds the key there when no header carries one', () => {
      expect(presentedApiKey({}, key)).toEqual({ kind: 'key', key });
      expect(presentedApiKey({}, `  ${key}\n`)).toEqual({ kind: 'key', key });
    });

    it('accepts it next to the same key in a header (analytics-node sends both)', () => {
      expect(presentedApiKey({ authorization: basic(key) }, key)).toEqual({ kind: 'key', key });
    });

    it('refuses it next to a different key', () => {
      const other = `nsk_live_${'Z9y8X7w6'.repeat(4)}`;
      expect(presentedApiKey({ authorization: `Bearer ${other}` }, key).kind).toBe('ambiguous');
    });

    it.each([
      ['a number', 42],
      ['an object', { key }],
      ['an empty string', ' '],
      ['nothing', undefined],
    ])('ignores a writeKey that is %s', (_name, writeKey) => {
      expect(presentedApiKey({}, writeKey)).toEqual({ kind: 'none' });
    });
  });

  it('takes the first of repeated headers and cuts absurdly long values', () => {
    expect(presentedApiKey({ 'x-api-key': [key, 'other'] })).toEqual({ kind: 'key', key });
    const long = presentedApiKey({ 'x-api-key': `nsk_${'a'.repeat(10_000)}` });
    expect(long.kind === 'key' && long.key.length).toBe(257);
  });
});
