export interface UrlParts {
  host: string;
  path: string;
}

/** Host (lower-case, with a non-default port) and path of an absolute URL; empty parts when it is none. */
export function urlParts(url: string | undefined): UrlParts {
  if (!url) return { host: '', path: '' };
  try {
    const parsed = new URL(url);
    return { host: parsed.host.toLowerCase(), path: parsed.pathname };
  } catch {
    return { host: '', path: '' };
  }
}
