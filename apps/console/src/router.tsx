import {
  createContext,
  useContext,
  useEffect,
  useSyncExternalStore,
  type AnchorHTMLAttributes,
  type MouseEvent,
} from 'react';

// A small router on the History API: the console has a flat list of routes (routes.tsx) and needs
// no nested layouts or loaders, so a dependency would cost more bytes than it saves.

const NAVIGATE_EVENT = 'northstar:navigate';

function subscribe(listener: () => void): () => void {
  window.addEventListener('popstate', listener);
  window.addEventListener(NAVIGATE_EVENT, listener);
  return () => {
    window.removeEventListener('popstate', listener);
    window.removeEventListener(NAVIGATE_EVENT, listener);
  };
}

const currentHref = () => window.location.pathname + window.location.search;

/** Goes to a console path (`/projects/1/keys?x=y`); `replace` keeps the history entry count. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === currentHref()) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

export interface Location {
  pathname: string;
  search: URLSearchParams;
}

let cached: { href: string; location: Location } | null = null;
function snapshot(): Location {
  const href = currentHref();
  if (cached?.href !== href) {
    cached = {
      href,
      location: { pathname: window.location.pathname, search: new URLSearchParams(window.location.search) },
    };
  }
  return cached.location;
}

export function useLocation(): Location {
  return useSyncExternalStore(subscribe, snapshot);
}

export { matchPath, type Params } from './route-match';
import type { Params } from './route-match';

/** The matched route's parameters, for components below a screen. */
export const ParamsContext = createContext<Params>({});
export const useParams = (): Params => useContext(ParamsContext);

/** An ordinary link that the router follows without a page load (plain left clicks only). */
export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    )
      return;
    if (rest.target && rest.target !== '_self') return;
    event.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={follow} {...rest} />;
}

/** Sends the browser elsewhere once rendered (guards, finished flows); the old entry is replaced. */
export function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}
