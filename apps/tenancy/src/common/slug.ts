// Derived slugs leave room for a "-<n>" suffix within the 48 characters a slug may have.
const BASE_MAX_LENGTH = 40;

/**
 * The slug a name suggests: ASCII letters and digits, accents dropped, everything else collapsed to
 * single dashes (`Café Olé!` → `cafe-ole`). Falls back to `fallback` when the name has too few
 * usable characters (a name in a non-Latin script).
 */
export function slugify(name: string, fallback: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, BASE_MAX_LENGTH)
    .replace(/-+$/, '');
  return slug.length >= 2 ? slug : fallback;
}

/**
 * The first free slug of the form `base`, `base-2`, `base-3`... given the slugs of that form already
 * taken.
 */
export function firstFreeSlug(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!used.has(candidate)) return candidate;
  }
}

/** A PostgreSQL regular expression matching `base` and `base-<n>`; a slug holds no regex metacharacter. */
export function slugFamilyPattern(base: string): string {
  return `^${base}(-[0-9]+)?$`;
}
