/**
 * Sessions for events the SDK sent without one: the events of one visitor (anonymous id, else user id)
 * belong to one session while less than the gap separates them from its last activity.
 */
export interface SessionState {
  sessionId: string;
  /** Event time (ms) of the latest event seen in the session. */
  lastSeenMs: number;
}

export interface SessionDecision {
  sessionId: string;
  /** The state to keep afterwards; undefined leaves the kept state as it was. */
  next?: SessionState;
}

export function decideSession(
  state: SessionState | undefined,
  atMs: number,
  gapMs: number,
  newId: string,
): SessionDecision {
  if (state && atMs < state.lastSeenMs + gapMs && atMs > state.lastSeenMs - gapMs) {
    // Same session; a late event inside it does not move its end back.
    return atMs > state.lastSeenMs
      ? { sessionId: state.sessionId, next: { sessionId: state.sessionId, lastSeenMs: atMs } }
      : { sessionId: state.sessionId };
  }
  // An event from long before the current session (an app that was offline) gets a session of its own
  // without ending the current one.
  if (state && atMs <= state.lastSeenMs - gapMs) return { sessionId: newId };
  return { sessionId: newId, next: { sessionId: newId, lastSeenMs: atMs } };
}

/** The visitor an event belongs to: the device's anonymous id survives a login, so it comes first. */
export function visitorKey(projectId: string, anonymousId?: string, userId?: string): string {
  return anonymousId ? `${projectId}:a:${anonymousId}` : `${projectId}:u:${userId ?? ''}`;
}
