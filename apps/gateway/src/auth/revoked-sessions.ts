/**
 * The sessions this gateway heard were revoked, each kept only while an access token of it could still
 * be valid: tokens are signed before their session's revocation and live ACCESS_TOKEN.ttlSeconds, so
 * after that (plus an allowance for clocks that disagree) the entry guards nothing any more.
 */
export class RevokedSessions {
  // sessionId → epoch ms until which it is kept. Entries are (re)inserted with now + retention, so the
  // Map's insertion order is also expiry order: pruning stops at the first live entry.
  private readonly until = new Map<string, number>();

  constructor(
    private readonly retentionMs: number,
    private readonly maxEntries: number,
  ) {}

  add(sessionIds: Iterable<string>, now: number): void {
    this.prune(now);
    for (const sessionId of sessionIds) {
      this.until.delete(sessionId);
      this.until.set(sessionId, now + this.retentionMs);
    }
    // A flood of revocations cannot take the memory: the oldest go first. A session dropped here is
    // still refused, by the re-validation every gateway does (SESSION_RECHECK_SECONDS).
    while (this.until.size > this.maxEntries) {
      const oldest = this.until.keys().next();
      if (oldest.done) break;
      this.until.delete(oldest.value);
    }
  }

  has(sessionId: string, now: number): boolean {
    const until = this.until.get(sessionId);
    if (until === undefined) return false;
    if (until > now) return true;
    this.until.delete(sessionId);
    return false;
  }

  /** Drops the entries no token can need any more. */
  prune(now: number): void {
    for (const [sessionId, until] of this.until) {
      if (until > now) return;
      this.until.delete(sessionId);
    }
  }

  get size(): number {
    return this.until.size;
  }
}
