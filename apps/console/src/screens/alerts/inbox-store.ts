import { api } from '../../api/client';
import type { InAppNotificationDto } from '../../api/schema.gen';

// The in-app inbox's newest page, shared by the shell's unread count and the inbox screen, so that
// reading a notification on the screen updates the count at once. Loaded on demand; the shell polls.

const PAGE = 100;
type Listener = () => void;

interface State {
  items: InAppNotificationDto[] | null;
  nextCursor: string | null;
  error: unknown;
}

let state: State = { items: null, nextCursor: null, error: null };
let inFlight: Promise<void> | null = null;
const listeners = new Set<Listener>();

function set(next: Partial<State>): void {
  state = { ...state, ...next };
  for (const listener of listeners) listener();
}

export const inbox = {
  snapshot: (): State => state,

  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },

  /** Loads the newest page again; concurrent callers share one request. */
  refresh(): Promise<void> {
    if (inFlight) return inFlight;
    inFlight = api('GET /v1/me/notifications', { query: { limit: PAGE } })
      .then(
        (page) => set({ items: page.items, nextCursor: page.nextCursor, error: null }),
        (error: unknown) => set({ error }),
      )
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  },

  async markRead(id: string): Promise<void> {
    await api('POST /v1/me/notifications/{id}/read', { path: { id } });
    const readAt = new Date().toISOString();
    set({
      items:
        state.items?.map((item) => (item.id === id && !item.readAt ? { ...item, readAt } : item)) ?? null,
    });
  },

  /** Forgets the user's notifications (sign-out). */
  clear(): void {
    set({ items: null, nextCursor: null, error: null });
  },
};

/** Unread notifications on the newest page; `more` when that page is full, so there may be others. */
export function unreadOf(current: State): { count: number; more: boolean } {
  const count = current.items?.filter((item) => !item.readAt).length ?? 0;
  return { count, more: current.nextCursor !== null && count === current.items?.length };
}
