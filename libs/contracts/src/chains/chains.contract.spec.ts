import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import {
  ChainInput,
  ChainPatch,
  CreateChainRequest,
  DeleteChainRequest,
  GetChainRequest,
  ListChainAuditRequest,
  ListChainsRequest,
  type ChainInput as ChainInputShape,
} from './chains.contract';

// The same options as the platform's validation pipe (whitelist, forbid unknown fields).
function invalidFields<T extends object>(cls: new () => T, plain: object): string[] {
  const instance = plainToInstance(cls, plain);
  return paths(validateSync(instance, { whitelist: true, forbidNonWhitelisted: true }));
}

function paths(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    return [...(error.constraints ? [field] : []), ...paths(error.children ?? [], field)];
  });
}

const validChain = (overrides: Partial<ChainInputShape> = {}): ChainInputShape => ({
  slug: 'my-chain-2',
  chainId: 123456,
  name: 'My Chain',
  ecosystem: 'evm',
  testnet: false,
  nativeCurrency: { symbol: 'MYC', decimals: 18 },
  explorerUrl: 'https://explorer.my-chain.example.com',
  rpc: { http: 'https://rpc.my-chain.example.com/v1/{key}', ws: 'wss://rpc.my-chain.example.com/ws/{key}' },
  ...overrides,
});

describe('chain slugs', () => {
  it.each(['ethereum', 'base-sepolia', 'l2', '0x', 'a'.repeat(48)])('accepts %j', (slug) => {
    expect(invalidFields(GetChainRequest, { slug })).toEqual([]);
  });

  it.each(['', 'a', 'Ethereum', 'NOT A SLUG!', 'eth_mainnet', 'eth.main', 'a'.repeat(49), 'ünï'])(
    'refuses %j',
    (slug) => {
      expect(invalidFields(GetChainRequest, { slug })).toEqual(['slug']);
    },
  );

  it('refuses a missing slug and unknown fields', () => {
    expect(invalidFields(GetChainRequest, {})).toEqual(['slug']);
    expect(invalidFields(GetChainRequest, { slug: 'ethereum', admin: true })).toEqual(['admin']);
  });
});

describe('ChainInput', () => {
  it('accepts a complete EVM chain', () => {
    expect(invalidFields(ChainInput, validChain())).toEqual([]);
  });

  it('requires the {key} placeholder in both RPC templates', () => {
    const rpc = { http: 'https://rpc.example.com/v1/', ws: 'wss://rpc.example.com/ws/' };
    expect(invalidFields(ChainInput, validChain({ rpc }))).toEqual(['rpc.http', 'rpc.ws']);
  });

  it('requires the right protocol for each RPC template', () => {
    const rpc = { http: 'wss://rpc.example.com/{key}', ws: 'https://rpc.example.com/{key}' };
    expect(invalidFields(ChainInput, validChain({ rpc }))).toEqual(['rpc.http', 'rpc.ws']);
  });

  it('reports nested native currency problems with a dotted path', () => {
    const nativeCurrency = { symbol: '', decimals: 99 };
    expect(invalidFields(ChainInput, validChain({ nativeCurrency }))).toEqual([
      'nativeCurrency.symbol',
      'nativeCurrency.decimals',
    ]);
  });

  it('requires a chain id on EVM, not elsewhere', () => {
    expect(invalidFields(ChainInput, validChain({ chainId: undefined }))).toEqual(['chainId']);
    expect(invalidFields(ChainInput, validChain({ chainId: 0 }))).toEqual(['chainId']);
    expect(invalidFields(ChainInput, validChain({ ecosystem: 'solana', chainId: null }))).toEqual([]);
  });

  it('refuses an unknown ecosystem and status, and a string where a boolean belongs', () => {
    const plain = { ...validChain(), ecosystem: 'dogecoin', status: 'paused', testnet: 'false' };
    expect(invalidFields(ChainInput, plain)).toEqual(['ecosystem', 'testnet', 'status']);
  });

  it('lets a patch leave out every field but still checks the ones given', () => {
    expect(invalidFields(ChainPatch, {})).toEqual([]);
    expect(invalidFields(ChainPatch, { status: 'inactive' })).toEqual([]);
    expect(invalidFields(ChainPatch, { slug: 'renamed' })).toEqual(['slug']);
  });
});

describe('CreateChainRequest', () => {
  it('checks the actor and the chain, with dotted paths', () => {
    const plain = { actor: { userId: 'not-a-uuid', role: 'root' }, chain: validChain({ slug: 'Bad Slug' }) };
    expect(invalidFields(CreateChainRequest, plain)).toEqual(['actor.userId', 'actor.role', 'chain.slug']);
  });
});

describe('ListChainsRequest', () => {
  it('turns the query strings "true" and "false" into booleans', () => {
    expect(plainToInstance(ListChainsRequest, { testnet: 'false' }).testnet).toBe(false);
    expect(plainToInstance(ListChainsRequest, { testnet: 'true' }).testnet).toBe(true);
    expect(invalidFields(ListChainsRequest, { testnet: 'false' })).toEqual([]);
  });

  it('refuses any other testnet value', () => {
    expect(invalidFields(ListChainsRequest, { testnet: 'no' })).toEqual(['testnet']);
    expect(invalidFields(ListChainsRequest, { testnet: 1 })).toEqual(['testnet']);
  });

  it('converts limit from a query string and keeps it within 1..200', () => {
    expect(plainToInstance(ListChainsRequest, { limit: '20' }).limit).toBe(20);
    expect(invalidFields(ListChainsRequest, { limit: '20' })).toEqual([]);
    expect(invalidFields(ListChainsRequest, { limit: '0' })).toEqual(['limit']);
    expect(invalidFields(ListChainsRequest, { limit: '201' })).toEqual(['limit']);
    expect(invalidFields(ListChainsRequest, { limit: 'ten' })).toEqual(['limit']);
  });

  it('checks the ecosystem and status filters', () => {
    expect(invalidFields(ListChainsRequest, { ecosystem: 'evm', status: 'active' })).toEqual([]);
    expect(invalidFields(ListChainsRequest, { ecosystem: 'EVM', status: 'gone' })).toEqual([
      'ecosystem',
      'status',
    ]);
  });
});

describe('ListChainAuditRequest', () => {
  const actor = { userId: '0b7c7c1e-6c55-4a8e-a0f4-2b1f0e2f9b1d', role: 'admin' };

  it('takes an optional chain slug, limit and cursor with the actor', () => {
    expect(invalidFields(ListChainAuditRequest, { actor })).toEqual([]);
    expect(invalidFields(ListChainAuditRequest, { actor, chain: 'ethereum', limit: '10' })).toEqual([]);
    expect(invalidFields(ListChainAuditRequest, { actor, chain: 'Not A Slug' })).toEqual(['chain']);
    expect(invalidFields(ListChainAuditRequest, { chain: 'ethereum' })).toEqual(['actor']);
  });
});

describe('the actor of a change', () => {
  it('may carry the email for the audit log', () => {
    const plain = {
      actor: { userId: '0b7c7c1e-6c55-4a8e-a0f4-2b1f0e2f9b1d', role: 'admin', email: 'ops@example.com' },
      slug: 'ethereum',
    };
    expect(invalidFields(DeleteChainRequest, plain)).toEqual([]);
    expect(invalidFields(DeleteChainRequest, { ...plain, actor: { ...plain.actor, email: 42 } })).toEqual([
      'actor.email',
    ]);
  });

  it('cannot create a chain with a reserved slug', () => {
    expect(invalidFields(ChainInput, validChain({ slug: 'audit' }))).toEqual(['slug']);
  });
});
