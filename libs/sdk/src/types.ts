/** The JSON an event may carry. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };
export type Properties = Record<string, unknown>;

export type EventType =
  'track' | 'page' | 'screen' | 'identify' | 'group' | 'alias' | 'transaction' | 'wallet';

/** Web3 fields of an event (see the gateway's event shape). */
export interface Web3Fields {
  chainId?: number;
  walletAddress?: string;
  txHash?: string;
  contractAddress?: string;
  method?: string;
  value?: string;
  status?: 'success' | 'failed' | 'pending';
}

/** An event as the gateway takes it (Segment spec, extended for Web3). */
export interface SdkEvent {
  type: EventType;
  messageId: string;
  timestamp: string;
  anonymousId?: string;
  userId?: string;
  event?: string;
  name?: string;
  category?: string;
  groupId?: string;
  previousId?: string;
  properties?: Properties;
  traits?: Properties;
  context?: Properties;
  web3?: Web3Fields;
  sentAt?: string;
}

/** One reason the server gave for refusing an event. */
export interface FieldError {
  field?: string;
  message?: string;
}

/** What `onError` and `on('rejected')` receive. */
export interface SdkError {
  /** `rejected`: the server refused these events as invalid (not retried); `dropped`: given up on. */
  kind: 'rejected' | 'dropped' | 'internal';
  message: string;
  events?: SdkEvent[];
  errors?: FieldError[];
  status?: number;
  cause?: unknown;
}

/** A key-value store like `localStorage`: only these three calls are used. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The part of the `fetch` answer the SDK reads. */
export interface FetchResponse {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; keepalive?: boolean },
) => Promise<FetchResponse>;
