import { RevokedSessions } from './revoked-sessions';

const MINUTE = 60_000;

describe('RevokedSessions', () => {
  it('refuses a revoked session for as long as its tokens could live, and forgets it after', () => {
    const revoked = new RevokedSessions(15 * MINUTE, 100);
    revoked.add(['s1'], 0);

    expect(revoked.has('s1', 0)).toBe(true);
    expect(revoked.has('s1', 15 * MINUTE - 1)).toBe(true);
    expect(revoked.has('other', 0)).toBe(false);
    expect(revoked.has('s1', 15 * MINUTE)).toBe(false);
    expect(revoked.size).toBe(0);
  });

  it('drops the entries no token can need any more whenever sessions are added', () => {
    const revoked = new RevokedSessions(10 * MINUTE, 100);
    revoked.add(['old-1', 'old-2'], 0);
    revoked.add(['recent'], 5 * MINUTE);

    revoked.add(['new'], 11 * MINUTE);

    expect(revoked.size).toBe(2);
    expect(revoked.has('recent', 11 * MINUTE)).toBe(true);
    expect(revoked.has('old-1', 11 * MINUTE)).toBe(false);
  });

  it('counts a repeated revocation from the latest, once (revocations are idempotent)', () => {
    const revoked = new RevokedSessions(10 * MINUTE, 100);
    revoked.add(['s1', 'later'], 0);
    revoked.add(['s1'], 8 * MINUTE);
    revoked.add(['s1'], 8 * MINUTE);

    expect(revoked.size).toBe(2);
    revoked.prune(10 * MINUTE);
    // `later` was first in line and went; s1 was renewed and stays, so pruning does not stop early on it.
    expect(revoked.has('later', 10 * MINUTE)).toBe(false);
    expect(revoked.has('s1', 17 * MINUTE)).toBe(true);
    expect(revoked.size).toBe(1);
  });

  it('holds at most its cap of sessions, dropping the oldest first', () => {
    const revoked = new RevokedSessions(10 * MINUTE, 3);
    revoked.add(['a', 'b'], 0);
    revoked.add(['c', 'd'], 1);

    expect(revoked.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].filter((id) => revoked.has(id, 2))).toEqual(['b', 'c', 'd']);
  });
});
