import type { AlertComparator, AlertNotificationKind } from '@northstar/contracts';
import { createHmac } from 'node:crypto';
import { escapeHtml, formatUtc } from '../email/email.templates';

export interface AlertSnapshot {
  id: string;
  name: string;
  metric: string;
  /** How a custom metric's points are combined (`custom:<name>` only; absent before custom metrics). */
  aggregation?: string;
  comparator: AlertComparator;
  threshold: number;
  windowSeconds: number;
  filter: Record<string, string | number>;
}

/**
 * What a delivery says, kept with it: a retry an hour later (or after the alert was edited) still
 * tells what happened at the time.
 */
export interface NotificationContent {
  kind: AlertNotificationKind;
  projectId: string;
  alert: AlertSnapshot;
  value: number | null;
  /** ISO time of the evaluation. */
  at: string;
}

/** The JSON a webhook receiver gets; the field order is part of the documented shape. */
export interface WebhookPayload {
  id: string;
  type: `alert.${AlertNotificationKind}`;
  alert: AlertSnapshot;
  state: AlertNotificationKind;
  value: number | null;
  window: { from: string; to: string };
  at: string;
  projectId: string;
  link: string;
}

export function alertLink(publicUrl: string, projectId: string, alertId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/projects/${projectId}/alerts/${alertId}`;
}

export function webhookPayload(
  deliveryId: string,
  content: NotificationContent,
  publicUrl: string,
): WebhookPayload {
  const { alert } = content;
  return {
    id: deliveryId,
    type: `alert.${content.kind}`,
    alert: {
      id: alert.id,
      name: alert.name,
      metric: alert.metric,
      ...(alert.aggregation ? { aggregation: alert.aggregation } : {}),
      comparator: alert.comparator,
      threshold: alert.threshold,
      windowSeconds: alert.windowSeconds,
      filter: { ...alert.filter },
    },
    state: content.kind,
    value: content.value,
    window: windowOf(content),
    at: content.at,
    projectId: content.projectId,
    link: alertLink(publicUrl, content.projectId, alert.id),
  };
}

/**
 * The body bytes, built once when the delivery is created and stored: every retry sends exactly
 * these, so a signature check and a receiver's deduplication both see the same message.
 */
export function webhookBody(payload: WebhookPayload): string {
  return JSON.stringify(payload);
}

/** `sha256=<hex HMAC-SHA256 of the raw body>`, the X-Northstar-Signature header. */
export function webhookSignature(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const STANDARD_WEBHOOKS_PREFIX = 'whsec_';
// One alphabet per secret (base64, or the base64url older generated secrets used), padding optional.
const BASE64 = /^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/;

/**
 * The HMAC key of the Standard Webhooks signature for a channel's secret. A `whsec_` secret is what
 * the specification says it is, `whsec_` and the key in base64, so a receiver hands it as it is to a
 * Standard Webhooks library; the base64url of secrets generated before is read too. Any other secret
 * (one a user chose) is its UTF-8 bytes, as for X-Northstar-Signature.
 */
export function standardWebhooksKey(secret: string): Buffer {
  if (secret.startsWith(STANDARD_WEBHOOKS_PREFIX)) {
    const encoded = secret.slice(STANDARD_WEBHOOKS_PREFIX.length);
    const unpadded = encoded.replace(/=+$/, '');
    const wellPadded = encoded === unpadded ? unpadded.length % 4 !== 1 : encoded.length % 4 === 0;
    if (BASE64.test(encoded) && wellPadded) return Buffer.from(encoded, 'base64');
  }
  return Buffer.from(secret, 'utf8');
}

/**
 * `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, the webhook-signature header of the
 * Standard Webhooks specification; `key` from standardWebhooksKey.
 */
export function standardWebhooksSignature(
  id: string,
  timestamp: number,
  body: string | Buffer,
  key: Buffer,
): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

function windowOf(content: NotificationContent): { from: string; to: string } {
  const to = new Date(content.at);
  const from = new Date(to.getTime() - content.alert.windowSeconds * 1000);
  return { from: from.toISOString(), to: to.toISOString() };
}

export const COMPARATOR_SIGN: Record<AlertComparator, string> = { gt: '>', gte: '≥', lt: '<', lte: '≤' };

// Alert names come from users and go into a subject line and sentences: a line break there could
// forge a header or a paragraph.
function inline(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/** `Checkout errors is firing`: the in-app title and the heart of the email subject. */
export function notificationTitle(content: NotificationContent): string {
  const name = inline(content.alert.name);
  switch (content.kind) {
    case 'firing':
      return `${name} is firing`;
    case 'resolved':
      return `${name} is resolved`;
    case 'test':
      return `Test notification for ${name}`;
  }
}

/** What the alert measures, as people read it: `events`, or `p95 of custom:api.latency`. */
export function metricLabel(alert: Pick<AlertSnapshot, 'metric' | 'aggregation'>): string {
  return alert.aggregation ? `${alert.aggregation} of ${alert.metric}` : alert.metric;
}

/** `events = 132 (threshold > 100) over the last 5 minutes`, or what a test says without a value. */
export function notificationSummary(content: NotificationContent): string {
  const { alert } = content;
  const condition = `${COMPARATOR_SIGN[alert.comparator]} ${alert.threshold}`;
  const measured = content.value === null ? 'no value measured' : `${metricLabel(alert)} = ${content.value}`;
  return `${measured} (threshold ${condition}) over the last ${duration(alert.windowSeconds)}`;
}

export function duration(seconds: number): string {
  const unit = (n: number, name: string) => `${n} ${name}${n === 1 ? '' : 's'}`;
  if (seconds % 86_400 === 0) return unit(seconds / 86_400, 'day');
  if (seconds % 3600 === 0) return unit(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return unit(seconds / 60, 'minute');
  return unit(seconds, 'second');
}

const INTRO: Record<AlertNotificationKind, string> = {
  firing: 'An alert of your Northstar project started firing: its condition holds.',
  resolved: 'An alert of your Northstar project is resolved: its condition no longer holds.',
  test: 'This is a test notification, sent because someone pressed "test" on the alert. Nothing is firing.',
};

/** A plain alert email (text and the same in simple HTML). */
export function alertEmail(
  content: NotificationContent,
  publicUrl: string,
): { subject: string; text: string; html: string } {
  const { alert } = content;
  const subject = `[Northstar] ${notificationTitle(content)}`;
  const link = alertLink(publicUrl, content.projectId, alert.id);
  const filter = Object.entries(alert.filter).map(([key, value]) => `${key} = ${value}`);
  const facts: Array<[string, string]> = [
    ['Alert', inline(alert.name)],
    ['Metric', metricLabel(alert)],
    ['Condition', `${COMPARATOR_SIGN[alert.comparator]} ${alert.threshold}`],
    ['Value', content.value === null ? 'none measured' : String(content.value)],
    ['Window', `the last ${duration(alert.windowSeconds)}`],
    ...(filter.length > 0 ? [['Filter', filter.join(', ')] as [string, string]] : []),
    ['Evaluated at', formatUtc(new Date(content.at))],
  ];
  const text = [
    INTRO[content.kind],
    facts.map(([label, value]) => `${label}: ${value}`).join('\n'),
    `Open the alert:\n${link}`,
    '— Northstar',
  ].join('\n\n');
  const html = [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    `<body style="font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; color: #1f2937; max-width: 560px; margin: 0 auto; padding: 24px;">`,
    `<p>${escapeHtml(INTRO[content.kind])}</p>`,
    '<table style="border-collapse: collapse; margin: 0 0 16px;">',
    ...facts.map(
      ([label, value]) =>
        `<tr><td style="padding: 2px 12px 2px 0; color: #6b7280;">${escapeHtml(label)}</td><td>${escapeHtml(value)}</td></tr>`,
    ),
    '</table>',
    `<p><a href="${escapeHtml(link)}">Open the alert</a></p>`,
    '<p>— Northstar</p>',
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}
