/**
 * The part of a key Redis Cluster hashes to pick its slot: the text between the first `{` and the
 * first `}` after it when that is not empty, else the whole key. A script (or MULTI) touching several
 * keys runs only when they share one slot: give them one hash tag, `app:{org-1}:a` and `app:{org-1}:b`.
 */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  return close <= open + 1 ? key : key.slice(open + 1, close);
}

/** Throws unless the keys hash alike in a Redis Cluster: a mistake of the caller, found on one node. */
export function assertOneSlot(keys: readonly string[]): void {
  const tags = new Set(keys.map(hashTagOf));
  if (tags.size > 1) {
    throw new Error(`Keys of one Redis script must share a hash tag ({...}): ${keys.join(', ')}`);
  }
}
