import type { ArgumentMetadata, ValidationError } from '@nestjs/common';
import {
  BusErrorCode,
  CreateChainRequest,
  DomainException,
  GetChainRequest,
  ListChainsRequest,
} from '@northstar/contracts';
import { createValidationPipe, flattenValidationErrors } from './validation';

const payload = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype });

async function rejection(value: unknown, metatype: ArgumentMetadata['metatype']): Promise<DomainException> {
  try {
    await createValidationPipe().transform(value, payload(metatype));
  } catch (error) {
    if (error instanceof DomainException) return error;
    throw error;
  }
  throw new Error('expected the pipe to refuse the value');
}

const validChain = {
  slug: 'my-chain',
  chainId: 424242,
  name: 'My Chain',
  ecosystem: 'evm',
  testnet: false,
  nativeCurrency: { symbol: 'MYC', decimals: 18 },
  explorerUrl: 'https://explorer.example.com',
  rpc: { http: 'https://rpc.example.com/{key}', ws: 'wss://rpc.example.com/{key}' },
};
const admin = { userId: '6f1c2b1e-8d4a-4f7e-9a51-0c2d3e4f5a6b', role: 'admin' };

describe('flattenValidationErrors', () => {
  it('gives one entry per failing constraint with a dotted field path', () => {
    const errors: ValidationError[] = [
      { property: 'slug', constraints: { matches: 'slug must be 2 to 48 characters' }, children: [] },
      {
        property: 'chain',
        children: [
          {
            property: 'nativeCurrency',
            children: [
              {
                property: 'decimals',
                constraints: {
                  max: 'decimals must not be greater than 36',
                  isInt: 'decimals must be an integer',
                },
              },
            ],
          },
        ],
      },
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      { field: 'slug', message: 'slug must be 2 to 48 characters' },
      { field: 'chain.nativeCurrency.decimals', message: 'decimals must not be greater than 36' },
      { field: 'chain.nativeCurrency.decimals', message: 'decimals must be an integer' },
    ]);
  });

  it('prefixes a message that does not start with the property name', () => {
    const errors: ValidationError[] = [
      { property: 'extra', constraints: { whitelistValidation: 'property extra should not exist' } },
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      { field: 'extra', message: 'extra property extra should not exist' },
    ]);
  });
});

describe('createValidationPipe', () => {
  it('answers validation_failed with the fields at fault', async () => {
    const error = await rejection({ slug: 'NOT A SLUG!' }, GetChainRequest);
    expect(error.code).toBe(BusErrorCode.ValidationFailed);
    expect(error.toPayload().errors).toEqual([
      { field: 'slug', message: expect.stringMatching(/^slug must be/) },
    ]);
  });

  it('names nested fields with their full path', async () => {
    const value = { actor: admin, chain: { ...validChain, nativeCurrency: { symbol: 'MYC', decimals: -1 } } };
    const error = await rejection(value, CreateChainRequest);
    expect(error.extra.errors?.map((e) => e.field)).toEqual(['chain.nativeCurrency.decimals']);
  });

  it('refuses unknown fields, nested ones included', async () => {
    const error = await rejection(
      { actor: admin, chain: { ...validChain, owner: 'me' }, sudo: true },
      CreateChainRequest,
    );
    expect(error.extra.errors?.map((e) => e.field).sort()).toEqual(['chain.owner', 'sudo']);
  });

  it('turns a valid payload into an instance of the contract class', async () => {
    const value: unknown = await createValidationPipe().transform(
      { testnet: 'false', limit: '10' },
      payload(ListChainsRequest),
    );
    expect(value).toBeInstanceOf(ListChainsRequest);
    expect(value).toEqual({ testnet: false, limit: 10 });
  });
});
