import type { InvitationCreatedEvent } from '@northstar/contracts';

/** A rendered email: the plain text and HTML bodies say the same thing. */
export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** The pages of the web app that the emails link to; each reads `token` from its query. */
export const EmailLinkPath = {
  verifyEmail: '/verify-email',
  resetPassword: '/reset-password',
  acceptInvitation: '/invitations/accept',
} as const;
export type EmailLinkPath = (typeof EmailLinkPath)[keyof typeof EmailLinkPath];

/** `${publicUrl}${path}?token=…`, keeping a path prefix of the public URL (`https://host/app`). */
export function emailLink(publicUrl: string, path: EmailLinkPath, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${path}?token=${encodeURIComponent(token)}`;
}

export interface VerificationEmailInput {
  name: string;
  link: string;
  expiresAt: Date;
  /** When the email is rendered; the expiry is said relative to it. */
  now: Date;
}

export function verificationEmail(input: VerificationEmailInput): RenderedEmail {
  return render({
    subject: 'Confirm your email address for Northstar',
    greeting: greeting(input.name),
    intro: 'Please confirm your email address to finish setting up your Northstar account.',
    action: { label: 'Confirm my email address', url: input.link },
    expiry: expiry(input.expiresAt, input.now),
    notYou:
      'If you did not create a Northstar account, you can ignore this email: the address stays unconfirmed.',
  });
}

export interface PasswordResetEmailInput {
  name: string;
  link: string;
  expiresAt: Date;
  now: Date;
}

export function passwordResetEmail(input: PasswordResetEmailInput): RenderedEmail {
  return render({
    subject: 'Reset your Northstar password',
    greeting: greeting(input.name),
    intro: 'We received a request to reset the password of your Northstar account.',
    action: { label: 'Choose a new password', url: input.link },
    expiry: `${expiry(input.expiresAt, input.now)} Setting a new password signs you out everywhere.`,
    notYou:
      'If you did not ask for this, you can ignore this email: your password stays unchanged. ' +
      'If it keeps happening, someone may be trying to get into your account.',
  });
}

export interface InvitationEmailInput {
  orgName: string;
  invitedByName: string;
  role: InvitationCreatedEvent['role'];
  link: string;
  expiresAt: Date;
  now: Date;
}

const ROLE_WITH_ARTICLE: Record<InvitationCreatedEvent['role'], string> = {
  owner: 'an owner',
  admin: 'an admin',
  member: 'a member',
  viewer: 'a viewer',
};

export function invitationEmail(input: InvitationEmailInput): RenderedEmail {
  const inviter = inline(input.invitedByName) || 'A teammate';
  const org = inline(input.orgName);
  return render({
    subject: `${inviter} invited you to ${org} on Northstar`,
    greeting: 'Hi,',
    intro: `${inviter} invited you to join the organisation ${org} on Northstar as ${ROLE_WITH_ARTICLE[input.role]}.`,
    action: { label: 'Accept the invitation', url: input.link },
    expiry: `${expiry(input.expiresAt, input.now)} Sign in (or sign up) with this email address to accept.`,
    notYou:
      'If you were not expecting this invitation, you can ignore this email: nothing happens unless you accept.',
  });
}

export interface QuotaWarningEmailInput {
  orgName: string;
  title: string;
  body: string;
  /** The organisation's usage page in the console. */
  link: string;
}

export function quotaWarningEmail(input: QuotaWarningEmailInput): RenderedEmail {
  const org = inline(input.orgName);
  return render({
    subject: `${org}: ${inline(input.title)}`,
    greeting: 'Hi,',
    intro: `${inline(input.title)} for the organisation ${org} on Northstar. ${inline(input.body)}`,
    action: { label: "See the organisation's usage", url: input.link },
    expiry: 'A higher plan raises the quota; ask your Northstar operator.',
    notYou: `You get this email as an owner of ${org}. Each warning is sent once a month.`,
  });
}

interface EmailContent {
  subject: string;
  greeting: string;
  intro: string;
  action: { label: string; url: string };
  expiry: string;
  notYou: string;
}

function render(content: EmailContent): RenderedEmail {
  const { action } = content;
  const paragraphs = (...lines: string[]) => lines.map((line) => `<p style="${P}">${escapeHtml(line)}</p>`);
  const text = [
    content.greeting,
    content.intro,
    `${action.label}:\n${action.url}`,
    content.expiry,
    content.notYou,
    '— Northstar',
  ].join('\n\n');
  const html = [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(content.subject)}</title></head>`,
    `<body style="font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; color: #1f2937; max-width: 560px; margin: 0 auto; padding: 24px;">`,
    ...paragraphs(content.greeting, content.intro),
    `<p style="${P}"><a href="${escapeHtml(action.url)}" style="display: inline-block; background: #4f46e5; color: #ffffff; padding: 10px 18px; border-radius: 6px; text-decoration: none;">${escapeHtml(action.label)}</a></p>`,
    `<p style="${P} font-size: 13px; color: #6b7280;">Or open this link: <a href="${escapeHtml(action.url)}">${escapeHtml(action.url)}</a></p>`,
    ...paragraphs(content.expiry, content.notYou, '— Northstar'),
    '</body></html>',
  ].join('\n');
  return { subject: inline(content.subject), text, html };
}

const P = 'margin: 0 0 16px; line-height: 1.5;';

function greeting(name: string): string {
  const clean = inline(name);
  return clean ? `Hi ${clean},` : 'Hi,';
}

// Values from other services go inside sentences and the subject: a line break there could forge
// what looks like a separate paragraph or header, so every run of white space becomes one space.
function inline(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `23 Nov 2026, 14:05 UTC`: the same on every machine, unlike the locale's formats. */
export function formatUtc(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}, ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())} UTC`
  );
}

/** `in 1 hour`, `in 24 hours`, `in 7 days`, rounded to what a reader cares about. */
export function timeUntil(expiresAt: Date, now: Date): string {
  const minutes = Math.max(1, Math.round((expiresAt.getTime() - now.getTime()) / 60_000));
  const plural = (n: number, unit: string) => `in ${n} ${unit}${n === 1 ? '' : 's'}`;
  if (minutes < 60) return plural(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (hours < 48) return plural(hours, 'hour');
  return plural(Math.round(hours / 24), 'day');
}

function expiry(expiresAt: Date, now: Date): string {
  return `This link expires ${timeUntil(expiresAt, now)} (${formatUtc(expiresAt)}) and works once.`;
}
