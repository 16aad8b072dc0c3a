import { creditPeriodOf, nextRefillAt, type KeyCreditsRecord } from '@northstar/contracts';
import { startRedisCluster, type RunningRedisCluster } from '@northstar/testing';
import { randomUUID } from 'node:crypto';
import { CreditClock, CreditLedger } from './credit-ledger';

let cluster: RunningRedisCluster;
let clock: CreditClock;
let ledger: CreditLedger;

beforeAll(async () => {
  cluster = await startRedisCluster();
  clock = new CreditClock();
  ledger = new CreditLedger(cluster.redis, clock);
}, 30_000);

afterAll(async () => cluster?.close());

afterEach(() => {
  clock.offsetMs = 0;
});

const credits = (remaining: number, overrides: Partial<KeyCreditsRecord> = {}): KeyCreditsRecord => ({
  remaining,
  refill: null,
  generation: 1,
  period: 0,
  ...overrides,
});

describe('the credit ledger on a Redis Cluster', () => {
  it('spends exactly what there is under parallel spends, for keys on every node', async () => {
    // Twelve keys: their hash tags spread the counters over the three masters.
    const keyIds = Array.from({ length: 12 }, () => randomUUID());
    const results = await Promise.all(
      keyIds.map(async (keyId) => {
        const spends = await Promise.all(
          Array.from({ length: 40 }, () => ledger.spend(keyId, credits(25), 1)),
        );
        return spends.filter((spend) => spend.allowed).length;
      }),
    );
    expect(results).toEqual(keyIds.map(() => 25));
  });

  it('passes a cost of 0 at zero, and refuses a cost above what is left without spending it', async () => {
    const keyId = randomUUID();
    expect(await ledger.spend(keyId, credits(3), 2)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await ledger.spend(keyId, credits(3), 2)).toMatchObject({ allowed: false, remaining: 1 });
    expect(await ledger.spend(keyId, credits(3), 1)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await ledger.spend(keyId, credits(3), 0)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('refills to the amount at the boundary of the period, once', async () => {
    const keyId = randomUUID();
    const now = Date.now();
    const period = creditPeriodOf('monthly', now);
    const seed = credits(1, { refill: { interval: 'monthly', amount: 10 }, period });
    expect(await ledger.spend(keyId, seed, 1)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await ledger.spend(keyId, seed, 1)).toMatchObject({ allowed: false, remaining: 0 });
    clock.offsetMs = (nextRefillAt('monthly', period) as number) - now;
    expect(await ledger.spend(keyId, seed, 4)).toMatchObject({
      allowed: true,
      remaining: 6,
      period: period + 1,
    });
    expect(await ledger.spend(keyId, seed, 4)).toMatchObject({
      allowed: true,
      remaining: 2,
      period: period + 1,
    });
  });

  it('reseeds from newer credits at once, and never from older ones', async () => {
    const keyId = randomUUID();
    expect(await ledger.spend(keyId, credits(5), 5)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await ledger.spend(keyId, credits(50, { generation: 2 }), 1)).toMatchObject({
      allowed: true,
      remaining: 49,
      generation: 2,
    });
    // A gateway still holding the record of generation 1 does not put its count back.
    expect(await ledger.spend(keyId, credits(5), 1)).toMatchObject({
      allowed: true,
      remaining: 48,
      generation: 2,
    });
  });

  it('holds counts far above 2^31 exactly', async () => {
    const keyId = randomUUID();
    expect(await ledger.spend(keyId, credits(1_000_000_000_000), 1)).toMatchObject({
      remaining: 999_999_999_999,
    });
  });
});
