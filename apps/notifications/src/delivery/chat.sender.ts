import { Injectable } from '@nestjs/common';
import type { AlertChatUrlType } from '@northstar/contracts';
import type { IncomingHttpHeaders } from 'node:http';
import { NotificationsConfig } from '../config';
import { WebhookSender, type PostAnswer, type WebhookResult } from './webhook.sender';

export const CHAT_USER_AGENT = 'Northstar-Alerts/1';

// A Retry-After beyond this is taken as this: the delivery is retried then, and waits again if told.
const MAX_RETRY_AFTER_MS = 6 * 3600 * 1000;
const MAX_REASON_LENGTH = 200;

export interface ChatRequest {
  type: AlertChatUrlType | 'telegram';
  /** The opened destination: the webhook URL, or the Telegram bot token. */
  destination: string;
  /** The exact JSON to send, rendered when the delivery was made. */
  body: string;
}

/**
 * Sends one attempt of a chat delivery, through the webhooks' sender (the same address checks). The
 * destination is a bearer secret, so it never appears in what is returned; a 429 (or 503) tells how
 * long to wait, in the header or the service's own field.
 */
@Injectable()
export class ChatSender {
  private readonly telegramApi: string;

  constructor(
    config: NotificationsConfig,
    private readonly http: WebhookSender,
  ) {
    this.telegramApi = config.TELEGRAM_API_URL.replace(/\/+$/, '');
  }

  async send(chat: ChatRequest): Promise<WebhookResult> {
    if (chat.destination === '') return { ok: false, statusCode: null, error: 'no destination' };
    const url =
      chat.type === 'telegram'
        ? // Encoded but for the colon, which the Bot API expects as it is: a token cannot leave the path.
          `${this.telegramApi}/bot${encodeURIComponent(chat.destination).replace(/%3A/gi, ':')}/sendMessage`
        : chat.destination;
    const answer = await this.http.post(url, Buffer.from(chat.body, 'utf8'), {
      'User-Agent': CHAT_USER_AGENT,
    });
    if ('error' in answer) {
      return { ok: false, statusCode: null, error: withoutSecret(answer.error, chat.destination, url) };
    }
    const { statusCode } = answer;
    const json = parseJson(answer.body);
    // Telegram says whether it sent in the body too; a 2xx with `ok: false` is not a delivery.
    const refused = chat.type === 'telegram' && json !== null && json['ok'] === false;
    if (statusCode >= 200 && statusCode < 300 && !refused) return { ok: true, statusCode, error: null };
    const retryAfterMs = statusCode === 429 || statusCode === 503 ? retryAfter(answer, json) : null;
    const reason = reasonOf(answer, json);
    const redirect = statusCode >= 300 && statusCode < 400 ? ' (redirects are not followed)' : '';
    const wait = retryAfterMs === null ? '' : ` (retry after ${Math.ceil(retryAfterMs / 1000)} s)`;
    const error = `the receiver answered ${statusCode}${redirect}${reason ? `: ${reason}` : ''}${wait}`;
    return {
      ok: false,
      statusCode,
      error: withoutSecret(error, chat.destination, url),
      ...(retryAfterMs !== null && { retryAfterMs }),
    };
  }
}

/**
 * How long a rate-limited receiver asked to wait, in ms: `Retry-After` (seconds or an HTTP date;
 * Slack, Teams, Discord), Discord's JSON `retry_after` (seconds, fractional) or Telegram's
 * `parameters.retry_after` (seconds); the longest when several are given. Null when none is.
 */
export function retryAfter(
  answer: { headers: IncomingHttpHeaders },
  json: Record<string, unknown> | null,
  now = Date.now(),
): number | null {
  const waits: number[] = [];
  const header = answer.headers['retry-after'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined) {
    const trimmed = value.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) waits.push(Number(trimmed) * 1000);
    else if (!Number.isNaN(Date.parse(trimmed))) waits.push(Date.parse(trimmed) - now);
  }
  const seconds = (field: unknown) => {
    if (typeof field === 'number' && Number.isFinite(field) && field >= 0) waits.push(field * 1000);
  };
  if (json !== null) {
    seconds(json['retry_after']);
    const parameters = json['parameters'];
    if (typeof parameters === 'object' && parameters !== null) {
      seconds((parameters as Record<string, unknown>)['retry_after']);
    }
  }
  if (waits.length === 0) return null;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.ceil(Math.max(...waits))));
}

function parseJson(body: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** The service's own words: Telegram's `description`, Discord's `message`, Slack's plain text. */
function reasonOf(answer: PostAnswer, json: Record<string, unknown> | null): string {
  const field = json?.['description'] ?? json?.['message'];
  const text = typeof field === 'string' ? field : json === null ? answer.body : '';
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_REASON_LENGTH ? `${line.slice(0, MAX_REASON_LENGTH - 1)}…` : line;
}

/** Errors go to the history and logs: never with the URL or token that lets anyone post. */
function withoutSecret(text: string, ...secrets: string[]): string {
  return secrets
    .filter((secret) => secret.length > 0)
    .reduce((result, secret) => result.split(secret).join('…'), text);
}
