import type { EntityManager } from '@mikro-orm/postgresql';
import type { ChainInput } from '@northstar/contracts';
import { Chain } from './chain.entity';
import { applyInput } from './chain.mapper';

const rpc = (slug: string) => ({
  http: `https://${slug}.rpc.northstar.dev/v1/{key}`,
  ws: `wss://${slug}.rpc.northstar.dev/ws/v1/{key}`,
});

const evm = (
  slug: string,
  chainId: number,
  name: string,
  symbol: string,
  explorerUrl: string,
  testnet = false,
): ChainInput => ({
  slug,
  chainId,
  name,
  ecosystem: 'evm',
  testnet,
  nativeCurrency: { symbol, decimals: 18 },
  explorerUrl,
  status: 'active',
  rpc: rpc(slug),
});

/** The networks the catalog ships with. Admins add, change or retire chains through the API. */
export const SEED_CHAINS: ChainInput[] = [
  evm('ethereum', 1, 'Ethereum', 'ETH', 'https://etherscan.io'),
  evm('polygon', 137, 'Polygon PoS', 'POL', 'https://polygonscan.com'),
  evm('arbitrum', 42161, 'Arbitrum One', 'ETH', 'https://arbiscan.io'),
  evm('optimism', 10, 'OP Mainnet', 'ETH', 'https://optimistic.etherscan.io'),
  evm('base', 8453, 'Base', 'ETH', 'https://basescan.org'),
  evm('bnb', 56, 'BNB Smart Chain', 'BNB', 'https://bscscan.com'),
  evm('avalanche', 43114, 'Avalanche C-Chain', 'AVAX', 'https://snowtrace.io'),
  evm('zksync', 324, 'ZKsync Era', 'ETH', 'https://explorer.zksync.io'),
  evm('linea', 59144, 'Linea', 'ETH', 'https://lineascan.build'),
  evm('scroll', 534352, 'Scroll', 'ETH', 'https://scrollscan.com'),
  evm('gnosis', 100, 'Gnosis', 'XDAI', 'https://gnosisscan.io'),
  evm('celo', 42220, 'Celo', 'CELO', 'https://celoscan.io'),
  evm('mantle', 5000, 'Mantle', 'MNT', 'https://mantlescan.xyz'),
  evm('blast', 81457, 'Blast', 'ETH', 'https://blastscan.io'),
  evm('sepolia', 11155111, 'Sepolia', 'ETH', 'https://sepolia.etherscan.io', true),
  evm('holesky', 17000, 'Holesky', 'ETH', 'https://holesky.etherscan.io', true),
  evm('base-sepolia', 84532, 'Base Sepolia', 'ETH', 'https://sepolia.basescan.org', true),
  evm('arbitrum-sepolia', 421614, 'Arbitrum Sepolia', 'ETH', 'https://sepolia.arbiscan.io', true),
  evm('optimism-sepolia', 11155420, 'OP Sepolia', 'ETH', 'https://sepolia-optimism.etherscan.io', true),
  evm('polygon-amoy', 80002, 'Polygon Amoy', 'POL', 'https://amoy.polygonscan.com', true),
  {
    slug: 'solana',
    chainId: null,
    name: 'Solana',
    ecosystem: 'solana',
    testnet: false,
    nativeCurrency: { symbol: 'SOL', decimals: 9 },
    explorerUrl: 'https://explorer.solana.com',
    status: 'active',
    rpc: rpc('solana'),
  },
];

/**
 * Adds the seed chains that are missing, by slug. A chain an admin changed or deactivated is left as
 * it is, so re-running the migrate step never undoes their work.
 */
export async function seedChains(em: EntityManager): Promise<number> {
  const existing = new Set((await em.find(Chain, {}, { fields: ['slug'] })).map((chain) => chain.slug));
  const missing = SEED_CHAINS.filter((input) => !existing.has(input.slug));
  for (const input of missing) em.persist(applyInput(new Chain(), input));
  await em.flush();
  return missing.length;
}
