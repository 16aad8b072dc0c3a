import { decideSession, visitorKey } from './session-rules';

const GAP = 30 * 60_000;
const MIN = 60_000;
const T = Date.UTC(2026, 10, 20, 8, 0);

describe('decideSession', () => {
  it('starts a session for a visitor never seen', () => {
    expect(decideSession(undefined, T, GAP, 'new')).toEqual({
      sessionId: 'new',
      next: { sessionId: 'new', lastSeenMs: T },
    });
  });

  it('continues the session while less than the gap passed, and moves its end', () => {
    const state = { sessionId: 's1', lastSeenMs: T };
    expect(decideSession(state, T + 29 * MIN, GAP, 'new')).toEqual({
      sessionId: 's1',
      next: { sessionId: 's1', lastSeenMs: T + 29 * MIN },
    });
  });

  it('starts a new session after the gap', () => {
    const state = { sessionId: 's1', lastSeenMs: T };
    expect(decideSession(state, T + 30 * MIN, GAP, 'new')).toEqual({
      sessionId: 'new',
      next: { sessionId: 'new', lastSeenMs: T + 30 * MIN },
    });
  });

  it('puts a slightly late event in the session without moving its end back', () => {
    const state = { sessionId: 's1', lastSeenMs: T };
    expect(decideSession(state, T - 10 * MIN, GAP, 'new')).toEqual({ sessionId: 's1' });
  });

  it('gives an event from long before a session of its own and keeps the current one', () => {
    const state = { sessionId: 's1', lastSeenMs: T };
    expect(decideSession(state, T - 2 * 60 * MIN, GAP, 'old')).toEqual({ sessionId: 'old' });
  });
});

describe('visitorKey', () => {
  it('prefers the anonymous id, which survives a login, and scopes it to the project', () => {
    expect(visitorKey('p1', 'anon', 'user')).toBe('p1:a:anon');
    expect(visitorKey('p1', undefined, 'user')).toBe('p1:u:user');
    expect(visitorKey('p2', 'anon')).not.toBe(visitorKey('p1', 'anon'));
  });
});
