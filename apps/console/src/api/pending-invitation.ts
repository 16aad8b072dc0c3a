// An invitation link opened before the invitee could accept (signed out, or email not yet verified):
// remembered in this browser so that the verification page can lead back to it.
const KEY = 'northstar.pendingInvitation';

export function rememberInvitation(token: string): void {
  try {
    localStorage.setItem(KEY, token);
  } catch {
    // Without storage the invitee opens the invitation link again.
  }
}

export function pendingInvitation(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function forgetInvitation(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // Nothing to forget.
  }
}
