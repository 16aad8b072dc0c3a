import { createValidationPipe } from '@northstar/messaging';
import { VerifyKeyBody } from './key-verify.dto';
import { plainVerifyBody, readVerifyBody } from './verify-body';

const KEY = 'nsk_live_4fZq7TnW0xYb3KcR9mPd2LsV8hJe6GaU';
const pipe = createValidationPipe();
const viaPipe = async (raw: unknown): Promise<{ ok: true; value: object } | { ok: false }> => {
  try {
    const value = (await pipe.transform(raw, {
      type: 'body',
      metatype: VerifyKeyBody,
      data: undefined,
    })) as object;
    return { ok: true, value };
  } catch {
    return { ok: false };
  }
};

const BODIES: unknown[] = [
  { key: KEY },
  {
    key: KEY,
    chain: 'ethereum',
    origin: 'https://app.example.com',
    ip: '203.0.113.7',
    method: 'eth_call',
    cost: 1,
  },
  { key: KEY, cost: 0 },
  { key: KEY, cost: 1_000_000 },
  { key: KEY, cost: 1_000_001 },
  { key: KEY, cost: -1 },
  { key: KEY, cost: 1.5 },
  { key: KEY, cost: '1' },
  { key: KEY, cost: null },
  { key: KEY, ip: '2001:db8::1' },
  { key: KEY, ip: '::ffff:203.0.113.7' },
  { key: KEY, ip: 'fe80::1%eth0' },
  { key: KEY, ip: '256.1.1.1' },
  { key: KEY, ip: '01.2.3.4' },
  { key: KEY, ip: '' },
  { key: KEY, ip: 7 },
  { key: KEY, chain: 'Ethereum' },
  { key: KEY, chain: 'e' },
  { key: KEY, chain: null },
  { key: KEY, method: 'eth call' },
  { key: KEY, method: 'x'.repeat(100) },
  { key: KEY, method: 'x'.repeat(101) },
  { key: KEY, origin: 'x'.repeat(300) },
  { key: KEY, origin: 'x'.repeat(301) },
  { key: KEY, origin: 5 },
  { key: 'x'.repeat(300) },
  { key: 'x'.repeat(301) },
  { key: '' },
  { key: 5 },
  {},
  { key: KEY, extra: true },
  [{ key: KEY }],
  'key',
  null,
  { key: '😀'.repeat(151) },
];

describe('the hand check of verify bodies', () => {
  it('accepts the bodies proxies send', () => {
    expect(plainVerifyBody(BODIES[0])).not.toBeNull();
    expect(plainVerifyBody(BODIES[1])).not.toBeNull();
  });

  it.each(BODIES.map((body) => [JSON.stringify(body)?.slice(0, 80), body]))(
    'never accepts what the validation pipe refuses, nor reads it differently: %s',
    async (_name, body) => {
      const fast = plainVerifyBody(body);
      const checked = await viaPipe(body);
      if (fast !== null) {
        expect(checked.ok).toBe(true);
        if (checked.ok) expect({ ...fast }).toEqual({ ...checked.value });
      }
      // Whatever the hand check leaves to it, readVerifyBody answers as the pipe does.
      const read = await readVerifyBody(body).then(
        () => true,
        () => false,
      );
      expect(read).toBe(checked.ok);
    },
  );
});
