import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { Actor, ChainInput, PlatformRole } from '@northstar/contracts';

/** A slug no other test (or earlier run) uses: `<prefix>-<random>`, within the 2..48 slug rules. */
export function uniqueSlug(prefix = 't'): string {
  if (!/^[a-z0-9-]{1,32}$/.test(prefix)) throw new Error(`uniqueSlug: bad prefix ${JSON.stringify(prefix)}`);
  return `${prefix}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

export function actor(role: PlatformRole): Actor {
  return { userId: randomUUID(), role };
}

/** A platform admin, as the gateway forwards it after authentication. */
export const adminActor = (): Actor => actor('admin');

/** An ordinary signed-in user: may read the catalog, not change it. */
export const userActor = (): Actor => actor('user');

/**
 * A valid EVM chain with a unique slug and a chain id far above real networks (chain ids are unique
 * per ecosystem, so tests must not collide with the seed or with each other).
 */
export function chainInput(overrides: Partial<ChainInput> = {}): ChainInput {
  const slug = overrides.slug ?? uniqueSlug('chain');
  return {
    slug,
    chainId: randomInt(1_000_000_000, 2_000_000_000),
    name: `Test chain ${slug}`,
    ecosystem: 'evm',
    testnet: false,
    nativeCurrency: { symbol: 'TST', decimals: 18 },
    explorerUrl: `https://${slug}.explorer.example.com`,
    status: 'active',
    rpc: { http: `https://${slug}.rpc.example.com/v1/{key}`, ws: `wss://${slug}.rpc.example.com/ws/{key}` },
    ...overrides,
  };
}
