/** Emails are case-insensitive for us: stored, compared and throttled in one lower-cased form. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
