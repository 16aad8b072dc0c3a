// The Web3 plugin (`@northstar/sdk/web3`): its own entry point, so apps without a wallet never load it
// and the core's size does not grow. It imports only types from the core.
import type { Properties, Web3Fields } from './types';

/** An EIP-1193 provider: only these calls are used. */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | object }): Promise<unknown>;
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener?(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** What an EIP-6963 wallet announces about itself. */
export interface WalletInfo {
  uuid?: string;
  name?: string;
  icon?: string;
  rdns?: string;
}

/** The part of the client the plugin calls. */
export interface Web3Client {
  wallet(action: string, web3: Web3Fields, properties?: Properties): void;
  transaction(web3: Web3Fields, properties?: Properties): void;
  track(message: { event: string; properties?: Properties; web3?: Web3Fields }): void;
}

export interface Web3Options {
  /** The wallet to watch (e.g. `window.ethereum`). */
  provider?: Eip1193Provider;
  /** Also watch every wallet announced through EIP-6963 (default: true when no provider is given). */
  discover?: boolean;
  /** The window to ask for EIP-6963 announcements (default: the global one). */
  window?: EventTargetLike;
}

interface EventTargetLike {
  addEventListener(name: string, listener: (event: unknown) => void): void;
  removeEventListener(name: string, listener: (event: unknown) => void): void;
  dispatchEvent(event: unknown): boolean;
}

export interface Web3Tracker {
  /** Stops watching: the providers' `request` and listeners are as they were. */
  stop(): void;
}

type Request = Eip1193Provider['request'];

/**
 * Watches wallets and reports them through the client: account and chain changes become `wallet`
 * events (`connect`, `disconnect`, `switch`), and `eth_sendTransaction` a `Transaction Requested`
 * track, then a `transaction` event with the hash once broadcast or a `Transaction Rejected` track
 * when the user refuses (EIP-1193 code 4001). Requested and rejected carry no hash, which the
 * gateway requires of a `transaction` event, hence tracks with the same `web3` fields.
 * The wallet's own calls are never delayed or changed: `request` is wrapped, recording happens after.
 */
export function web3(client: Web3Client, options: Web3Options = {}): Web3Tracker {
  const stops: (() => void)[] = [];
  const watched = new Set<Eip1193Provider>();
  const watch = (provider: Eip1193Provider, info?: WalletInfo) => {
    if (!provider || typeof provider.request !== 'function' || watched.has(provider)) return;
    watched.add(provider);
    stops.push(watchProvider(client, provider, info));
  };
  if (options.provider) watch(options.provider);
  const global = globalThis as unknown as Partial<EventTargetLike>;
  const target = options.window ?? (global.addEventListener ? (global as EventTargetLike) : undefined);
  if ((options.discover ?? !options.provider) && target) {
    const announced = (event: unknown) =>
      quietly(() => {
        const detail = (event as { detail?: { info?: WalletInfo; provider?: Eip1193Provider } }).detail;
        if (detail?.provider) watch(detail.provider, detail.info);
      });
    quietly(() => {
      target.addEventListener('eip6963:announceProvider', announced);
      stops.push(() => target.removeEventListener('eip6963:announceProvider', announced));
      const EventClass = (globalThis as { Event?: new (name: string) => unknown }).Event;
      target.dispatchEvent(
        EventClass ? new EventClass('eip6963:requestProvider') : { type: 'eip6963:requestProvider' },
      );
    });
  }
  return {
    stop() {
      for (const stop of stops.splice(0)) quietly(stop);
      watched.clear();
    },
  };
}

function watchProvider(client: Web3Client, provider: Eip1193Provider, info?: WalletInfo): () => void {
  const original: Request = provider.request;
  let accounts: string[] = [];
  let chainId: number | undefined;
  const wallet = info?.name || info?.rdns ? { wallet: info.name, rdns: info.rdns } : {};
  const ask = (method: string) => Promise.resolve().then(() => original.call(provider, { method }));

  const currentChain = async (): Promise<number | undefined> =>
    chainId ?? (chainId = toChainId(await ask('eth_chainId').catch(() => undefined)));

  const onAccounts = (next: unknown) =>
    quietly(() => {
      if (!Array.isArray(next)) return;
      const list = next
        .filter((item): item is string => typeof item === 'string')
        .map((a) => a.toLowerCase());
      const [before, after] = [accounts[0], list[0]];
      accounts = list;
      if (before === after) return;
      void currentChain().then((chain) =>
        quietly(() => {
          if (!before && after)
            client.wallet('connect', { walletAddress: after, chainId: chain }, { ...wallet });
          else if (before && !after)
            client.wallet('disconnect', { walletAddress: before, chainId: chain }, { ...wallet });
          else if (after)
            client.wallet(
              'switch',
              { walletAddress: after, chainId: chain },
              { ...wallet, change: 'account', previousAddress: before },
            );
        }),
      );
    });
  const onChain = (next: unknown) =>
    quietly(() => {
      const previous = chainId;
      chainId = toChainId(next);
      if (accounts[0] && chainId !== undefined && chainId !== previous)
        client.wallet(
          'switch',
          { walletAddress: accounts[0], chainId },
          { ...wallet, change: 'chain', previousChainId: previous },
        );
    });
  const onDisconnect = () => onAccounts([]);

  const request: Request = function (this: unknown, args) {
    const result = original.apply(this, [args]);
    quietly(() => {
      const method = args?.method;
      if (method === 'eth_requestAccounts' || method === 'eth_accounts')
        void Promise.resolve(result).then(onAccounts, () => undefined);
      if (method === 'eth_sendTransaction') recordTransaction(args.params, result);
    });
    return result;
  };

  const recordTransaction = (params: unknown, result: Promise<unknown>) => {
    const tx = (Array.isArray(params) ? params[0] : params) as
      { from?: string; to?: string; value?: string; data?: string; chainId?: string } | undefined;
    const walletAddress = (tx?.from ?? accounts[0])?.toLowerCase();
    const base = async (): Promise<Web3Fields> => ({
      chainId: toChainId(tx?.chainId) ?? (await currentChain()),
      walletAddress,
      contractAddress: tx?.data && tx.data !== '0x' ? tx.to?.toLowerCase() : undefined,
      value: toDecimal(tx?.value),
    });
    void base().then((fields) => {
      quietly(() =>
        client.track({
          event: 'Transaction Requested',
          properties: { ...wallet },
          web3: { ...fields, status: 'pending' },
        }),
      );
      void Promise.resolve(result).then(
        (hash) =>
          quietly(() => {
            if (typeof hash === 'string')
              client.transaction({ ...fields, txHash: hash.toLowerCase(), status: 'pending' }, { ...wallet });
          }),
        (error: unknown) =>
          quietly(() => {
            const code = (error as { code?: unknown } | undefined)?.code;
            client.track({
              event: code === 4001 ? 'Transaction Rejected' : 'Transaction Failed',
              properties: { ...wallet, ...(typeof code === 'number' ? { code } : {}) },
              web3: { ...fields, status: 'failed' },
            });
          }),
      );
    });
  };

  quietly(() => {
    provider.request = request;
    provider.on?.('accountsChanged', onAccounts);
    provider.on?.('chainChanged', onChain);
    provider.on?.('disconnect', onDisconnect);
  });
  // What the wallet already allows (a returning user): the accounts, without prompting.
  void ask('eth_accounts').then(onAccounts, () => undefined);

  return () => {
    if (provider.request === request) provider.request = original;
    provider.removeListener?.('accountsChanged', onAccounts);
    provider.removeListener?.('chainChanged', onChain);
    provider.removeListener?.('disconnect', onDisconnect);
  };
}

function toChainId(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value !== 'string' || !value) return undefined;
  const parsed = value.startsWith('0x') ? parseInt(value, 16) : Number(value);
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}

/** Wei as a base-10 string (the gateway's form); wallets give hex quantities. */
function toDecimal(value: unknown): string | undefined {
  try {
    if (typeof value === 'string' && value) return BigInt(value).toString(10);
    if (typeof value === 'number' || typeof value === 'bigint') return BigInt(value).toString(10);
  } catch {
    // A value the wallet will refuse anyway: record none.
  }
  return undefined;
}

/** A tracker's own failure must never reach the wallet call or the app. */
function quietly(run: () => void): void {
  try {
    run();
  } catch {
    // Deliberately silent: analytics never breaks the app.
  }
}
