import { createClient } from './client';
import type { FetchLike, SdkEvent } from './types';
import { web3, type Eip1193Provider } from './web3';

type Listener = (...args: unknown[]) => void;

/** A wallet stand-in: answers `request` from `answers`, and emits events like a real provider. */
function fakeProvider(answers: Record<string, (params: unknown) => unknown>) {
  const listeners = new Map<string, Set<Listener>>();
  const calls: { method: string; self: unknown }[] = [];
  const provider = {
    async request(this: unknown, args: { method: string; params?: unknown }) {
      calls.push({ method: args.method, self: this });
      const answer = answers[args.method];
      if (!answer) throw Object.assign(new Error('unsupported'), { code: 4200 });
      return answer(args.params);
    },
    on(name: string, listener: Listener) {
      if (!listeners.has(name)) listeners.set(name, new Set());
      listeners.get(name)?.add(listener);
    },
    removeListener(name: string, listener: Listener) {
      listeners.get(name)?.delete(listener);
    },
    emit(name: string, ...args: unknown[]) {
      for (const listener of listeners.get(name) ?? []) listener(...args);
    },
    listenerCount: (name: string) => listeners.get(name)?.size ?? 0,
  };
  return { provider, calls };
}

const ALICE = '0xAbC0000000000000000000000000000000000001';
const BOB = '0x00000000000000000000000000000000000000b2';
const HASH = '0x' + 'Ab'.repeat(32);

function setup() {
  const sent: SdkEvent[] = [];
  const fetch: FetchLike = async (_url, init) => {
    sent.push(...(JSON.parse(init.body) as { batch: SdkEvent[] }).batch);
    return { status: 202, headers: { get: () => null }, text: async () => '{}' };
  };
  const analytics = createClient({ writeKey: 'nsk_test_web3', storage: 'memory', fetch, flushAt: 100 });
  return { analytics, sent };
}

const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

beforeEach(() => jest.useFakeTimers({ now: new Date('2026-12-01T10:00:00.000Z') }));
afterEach(() => jest.useRealTimers());

describe('web3 plugin', () => {
  it('turns connect, account change, chain change and disconnect into wallet events', async () => {
    const { analytics, sent } = setup();
    const { provider } = fakeProvider({ eth_accounts: () => [], eth_chainId: () => '0x1' });
    const tracker = web3(analytics, { provider });
    await settle();
    provider.emit('accountsChanged', [ALICE]);
    await settle();
    provider.emit('accountsChanged', [BOB]);
    await settle();
    provider.emit('chainChanged', '0x89');
    await settle();
    provider.emit('accountsChanged', []);
    await settle();
    await analytics.flush();

    expect(sent.map((e) => [e.type, e.event, e.web3?.walletAddress, e.web3?.chainId])).toEqual([
      ['wallet', 'connect', ALICE.toLowerCase(), 1],
      ['wallet', 'switch', BOB, 1],
      ['wallet', 'switch', BOB, 137],
      ['wallet', 'disconnect', BOB, 137],
    ]);
    expect(sent[1].properties).toMatchObject({ change: 'account', previousAddress: ALICE.toLowerCase() });
    expect(sent[2].properties).toMatchObject({ change: 'chain', previousChainId: 1 });
    tracker.stop();
  });

  it('records an eth_sendTransaction as requested then broadcast with its hash and chain', async () => {
    const { analytics, sent } = setup();
    const { provider } = fakeProvider({
      eth_accounts: () => [ALICE],
      eth_chainId: () => '0xa',
      eth_sendTransaction: () => HASH,
    });
    web3(analytics, { provider });
    await settle();
    const hash = await provider.request({
      method: 'eth_sendTransaction',
      params: [{ from: ALICE, to: BOB, value: '0xde0b6b3a7640000', data: '0x1234' }],
    });
    expect(hash).toBe(HASH);
    await settle();
    await analytics.flush();

    const [requested, broadcast] = sent.filter((e) => e.type !== 'wallet');
    expect(requested).toMatchObject({
      type: 'track',
      event: 'Transaction Requested',
      web3: {
        chainId: 10,
        walletAddress: ALICE.toLowerCase(),
        status: 'pending',
        value: '1000000000000000000',
      },
    });
    expect(broadcast).toMatchObject({
      type: 'transaction',
      event: 'Transaction',
      web3: { chainId: 10, txHash: HASH.toLowerCase(), contractAddress: BOB, status: 'pending' },
    });
  });

  it('records a refusal by the user (4001) and hands the same rejection to the app', async () => {
    const { analytics, sent } = setup();
    const refusal = Object.assign(new Error('User rejected the request.'), { code: 4001 });
    const { provider } = fakeProvider({
      eth_accounts: () => [ALICE],
      eth_chainId: () => '0x1',
      eth_sendTransaction: () => {
        throw refusal;
      },
    });
    web3(analytics, { provider });
    await settle();
    await expect(
      provider.request({ method: 'eth_sendTransaction', params: [{ from: ALICE, to: BOB }] }),
    ).rejects.toBe(refusal);
    await settle();
    await analytics.flush();

    const events = sent.filter((e) => e.type !== 'wallet');
    expect(events.map((e) => e.event)).toEqual(['Transaction Requested', 'Transaction Rejected']);
    expect(events[1]).toMatchObject({ web3: { status: 'failed', chainId: 1 }, properties: { code: 4001 } });
    expect(events.some((e) => e.type === 'transaction')).toBe(false);
  });

  it('keeps the wallet call as it was (this, result) and restores the provider on stop()', async () => {
    const { analytics } = setup();
    const { provider, calls } = fakeProvider({ eth_accounts: () => [ALICE], eth_chainId: () => '0x1' });
    const original = provider.request;
    const tracker = web3(analytics, { provider });
    expect(provider.request).not.toBe(original);
    expect(provider.listenerCount('accountsChanged')).toBe(1);

    await expect(provider.request({ method: 'eth_chainId' })).resolves.toBe('0x1');
    expect(calls.at(-1)?.self).toBe(provider);

    tracker.stop();
    expect(provider.request).toBe(original);
    expect(provider.listenerCount('accountsChanged')).toBe(0);
    expect(provider.listenerCount('chainChanged')).toBe(0);
  });

  it('never breaks the wallet call when the tracker fails', async () => {
    const { provider } = fakeProvider({
      eth_accounts: () => [ALICE],
      eth_chainId: () => '0x1',
      eth_sendTransaction: () => HASH,
    });
    const broken = {
      wallet: () => {
        throw new Error('tracker down');
      },
      transaction: () => {
        throw new Error('tracker down');
      },
      track: () => {
        throw new Error('tracker down');
      },
    };
    web3(broken, { provider });
    await settle();
    provider.emit('accountsChanged', [BOB]);
    provider.emit('chainChanged', 'not a chain');
    await expect(
      provider.request({ method: 'eth_sendTransaction', params: [{ from: ALICE, value: 'junk' }] }),
    ).resolves.toBe(HASH);
    await settle();
  });

  it('discovers wallets through EIP-6963 announcements and names them', async () => {
    const { analytics, sent } = setup();
    const { provider } = fakeProvider({ eth_accounts: () => [], eth_chainId: () => '0x1' });
    const listeners = new Map<string, (event: unknown) => void>();
    const fakeWindow = {
      addEventListener: (name: string, listener: (event: unknown) => void) => listeners.set(name, listener),
      removeEventListener: (name: string) => listeners.delete(name),
      dispatchEvent: jest.fn((event: { type: string }) => {
        // A wallet answers the request by announcing itself.
        if (event.type === 'eip6963:requestProvider')
          listeners.get('eip6963:announceProvider')?.({
            detail: { info: { name: 'Fox Wallet', rdns: 'io.fox', uuid: 'u1', icon: '' }, provider },
          });
        return true;
      }),
    };
    const tracker = web3(analytics, { discover: true, window: fakeWindow });
    expect(fakeWindow.dispatchEvent).toHaveBeenCalledTimes(1);
    await settle();
    provider.emit('accountsChanged', [ALICE]);
    await settle();
    await analytics.flush();
    expect(sent[0]).toMatchObject({
      type: 'wallet',
      event: 'connect',
      properties: { wallet: 'Fox Wallet', rdns: 'io.fox' },
    });
    tracker.stop();
    expect(listeners.has('eip6963:announceProvider')).toBe(false);
  });

  it('works with a provider that has only request (no events), recording from its answers', async () => {
    const provider: Eip1193Provider = {
      request: async ({ method }) =>
        method === 'eth_chainId' ? '0x1' : method === 'eth_accounts' ? [] : [ALICE],
    };
    const client = { wallet: jest.fn(), transaction: jest.fn(), track: jest.fn() };
    web3(client, { provider });
    await expect(provider.request({ method: 'eth_requestAccounts' })).resolves.toEqual([ALICE]);
    await settle();
    expect(client.wallet).toHaveBeenCalledWith(
      'connect',
      { walletAddress: ALICE.toLowerCase(), chainId: 1 },
      {},
    );
  });
});
