import type { ChainDto, ChainInput, ChainPatch } from '@northstar/contracts';
import type { Chain } from './chain.entity';

export function toChainDto(chain: Chain): ChainDto {
  return {
    slug: chain.slug,
    chainId: chain.chainId,
    name: chain.name,
    ecosystem: chain.ecosystem,
    testnet: chain.testnet,
    nativeCurrency: { symbol: chain.nativeSymbol, decimals: chain.nativeDecimals },
    explorerUrl: chain.explorerUrl,
    status: chain.status,
    rpc: { http: chain.rpcHttpTemplate, ws: chain.rpcWsTemplate },
  };
}

/** Copies the given fields of an input or patch onto the entity; absent fields stay as they are. */
export function applyInput(chain: Chain, input: ChainPatch & Partial<Pick<ChainInput, 'slug'>>): Chain {
  if (input.slug !== undefined) chain.slug = input.slug;
  if (input.chainId !== undefined) chain.chainId = input.chainId;
  if (input.name !== undefined) chain.name = input.name;
  if (input.ecosystem !== undefined) chain.ecosystem = input.ecosystem;
  if (input.testnet !== undefined) chain.testnet = input.testnet;
  if (input.nativeCurrency !== undefined) {
    chain.nativeSymbol = input.nativeCurrency.symbol;
    chain.nativeDecimals = input.nativeCurrency.decimals;
  }
  if (input.explorerUrl !== undefined) chain.explorerUrl = input.explorerUrl;
  if (input.status !== undefined) chain.status = input.status;
  if (input.rpc !== undefined) {
    chain.rpcHttpTemplate = input.rpc.http;
    chain.rpcWsTemplate = input.rpc.ws;
  }
  return chain;
}
