import type { FetchLike, StorageLike } from './types';

// The globals the SDK may use, read lazily and defensively: nothing here runs at import time, and
// each one is absent in some runtime (Node has no localStorage or document; old browsers no randomUUID).
interface Globals {
  fetch?: FetchLike;
  localStorage?: StorageLike;
  document?: { cookie: string; location?: { protocol?: string }; visibilityState?: string };
  addEventListener?: (name: string, listener: () => void) => void;
  removeEventListener?: (name: string, listener: () => void) => void;
  location?: { href: string; pathname: string };
  history?: Record<'pushState' | 'replaceState', (...args: unknown[]) => unknown>;
  navigator?: { userAgent?: string; language?: string; sendBeacon?: (url: string, body: string) => boolean };
  setTimeout(run: () => void, ms?: number): unknown;
  clearTimeout(id: unknown): void;
  crypto?: { randomUUID?: () => string; getRandomValues?: <T extends Uint8Array>(array: T) => T };
}

export const globals = (): Globals => globalThis as unknown as Globals;

/** `localStorage` when it exists and works (Safari's private mode and sandboxed frames throw). */
export function browserStorage(): StorageLike | undefined {
  try {
    const storage = globals().localStorage;
    if (!storage) return undefined;
    const probe = '__ns_probe__';
    storage.setItem(probe, probe);
    storage.removeItem(probe);
    return storage;
  } catch {
    return undefined;
  }
}

/** A random UUID (v4): the platform's when present, else one from getRandomValues or Math.random. */
export function uuid(): string {
  const crypto = globals().crypto;
  try {
    if (crypto?.randomUUID) return crypto.randomUUID();
  } catch {
    // randomUUID exists but needs a secure context (http:// pages): fall through.
  }
  const bytes = new Uint8Array(16);
  if (crypto?.getRandomValues) crypto.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A storage in cookies (one year, the site's path), for apps that prefer them to localStorage. */
export function cookieStorage(): StorageLike | undefined {
  const document = globals().document;
  if (!document) return undefined;
  const secure = document.location?.protocol === 'https:' ? '; Secure' : '';
  return {
    getItem(key) {
      const found = document.cookie.split('; ').find((pair) => pair.startsWith(`${key}=`));
      return found ? decodeURIComponent(found.slice(key.length + 1)) : null;
    },
    setItem(key, value) {
      document.cookie = `${key}=${encodeURIComponent(value)}; path=/; max-age=31536000; SameSite=Lax${secure}`;
    },
    removeItem(key) {
      document.cookie = `${key}=; path=/; max-age=0`;
    },
  };
}

/** A storage that lives as long as the process: Node, or a browser without storage. */
export function memoryStorage(): StorageLike {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}
