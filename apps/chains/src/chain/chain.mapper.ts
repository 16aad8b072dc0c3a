import type {
  ChainActor,
  ChainAuditEntryDto,
  ChainChange,
  ChainDto,
  ChainInput,
  ChainPatch,
} from '@northstar/contracts';
import { ChainAuditEntry } from './chain-audit.entity';
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

/** The top-level fields of the public view whose value differs between two versions of a chain. */
export function changedFields(before: ChainDto | null, after: ChainDto | null): string[] {
  const keys = Object.keys(after ?? before ?? {}) as (keyof ChainDto)[];
  return keys.filter((key) => JSON.stringify(before?.[key] ?? null) !== JSON.stringify(after?.[key] ?? null));
}

export function newAuditEntry(
  actor: ChainActor,
  change: ChainChange,
  slug: string,
  before: ChainDto | null,
  after: ChainDto | null,
  at = new Date(),
): ChainAuditEntry {
  const entry = new ChainAuditEntry();
  entry.at = at;
  entry.change = change;
  entry.chainSlug = slug;
  entry.actorUserId = actor.userId;
  entry.actorEmail = actor.email ?? null;
  entry.fields = changedFields(before, after);
  entry.before = before;
  entry.after = after;
  return entry;
}

export function toAuditEntryDto(entry: ChainAuditEntry): ChainAuditEntryDto {
  return {
    id: entry.id,
    at: entry.at.toISOString(),
    change: entry.change,
    chain: entry.chainSlug,
    actor: { userId: entry.actorUserId, email: entry.actorEmail },
    fields: entry.fields,
    before: entry.before,
    after: entry.after,
  };
}
