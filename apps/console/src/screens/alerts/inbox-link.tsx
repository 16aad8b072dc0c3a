import { useEffect, useSyncExternalStore } from 'react';
import { Link } from '../../router';
import { inbox, unreadOf } from './inbox-store';
import './inbox-link.css';

// The shell's link to the inbox with the unread count; it checks again every half minute while the
// tab is visible and when the tab comes back.

const POLL_MS = 30_000;

export function InboxLink({ active }: { active: boolean }) {
  const state = useSyncExternalStore(inbox.subscribe, inbox.snapshot);
  useEffect(() => {
    void inbox.refresh();
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') void inbox.refresh();
    }, POLL_MS);
    const onVisible = () => {
      if (document.visibilityState === 'visible') void inbox.refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
      inbox.clear();
    };
  }, []);
  const { count, more } = unreadOf(state);
  const shown = `${count}${more ? '+' : ''}`;
  return (
    <Link
      href="/inbox"
      className="inbox-link"
      aria-current={active ? 'page' : undefined}
      data-testid="inbox-link"
    >
      Inbox
      {count > 0 && (
        <span className="inbox-count">
          {shown}
          <span className="visually-hidden"> unread</span>
        </span>
      )}
    </Link>
  );
}
