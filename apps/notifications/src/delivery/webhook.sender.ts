import { Injectable } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { NotificationsConfig } from '../config';
import { standardWebhooksKey, standardWebhooksSignature, webhookSignature } from './delivery.content';
import { refusedAddressProblem, urlHost, webhookUrlShapeProblem } from './webhook-address';

export const WEBHOOK_USER_AGENT = 'Northstar-Webhooks/1';

export interface WebhookRequest {
  url: string;
  deliveryId: string;
  secret: string;
  /** The exact bytes to send and sign. */
  body: string;
}

/** The outcome of one attempt: delivered (2xx), or why not (with the status when one came back). */
export interface WebhookResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  /** The receiver asked to wait this long before the next attempt (a 429 with Retry-After). */
  retryAfterMs?: number;
}

/** A receiver's answer: its status, headers and the first MAX_ANSWER_BYTES of its body. */
export interface PostAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: string;
}

// Enough for the JSON error of a chat service; a receiver streaming more is not read into memory.
const MAX_ANSWER_BYTES = 8192;

/**
 * Sends one webhook attempt. The host is resolved here and every address checked, then the
 * connection goes to the checked address (no second lookup a rebinding DNS could answer
 * differently), while the Host header and TLS name stay the URL's. Redirects are not followed: a
 * 3xx is a failed attempt, so a public URL cannot bounce the request inside the network.
 */
@Injectable()
export class WebhookSender {
  private readonly allowPrivate: boolean;
  private readonly timeoutMs: number;

  constructor(config: NotificationsConfig) {
    this.allowPrivate = config.webhookAllowPrivate();
    this.timeoutMs = config.WEBHOOK_TIMEOUT_MS;
  }

  async send(webhook: WebhookRequest): Promise<WebhookResult> {
    // Every webhook channel has a secret (generated when none is given): never send unsigned, nor
    // signed with an empty key anyone could use.
    if (webhookUrlShapeProblem(webhook.url) === null && webhook.secret === '') {
      return failure('no signing secret');
    }
    const body = Buffer.from(webhook.body, 'utf8');
    // The time of this attempt, not of the delivery: a receiver refuses a webhook-timestamp outside
    // its tolerance (5 minutes in the standardwebhooks libraries), so a captured request cannot be
    // replayed later, while a retry an hour on still verifies. webhook-id stays the delivery id.
    const timestamp = Math.floor(Date.now() / 1000);
    const answer = await this.post(webhook.url, body, {
      'User-Agent': WEBHOOK_USER_AGENT,
      'X-Northstar-Delivery': webhook.deliveryId,
      'X-Northstar-Signature': webhookSignature(body, webhook.secret),
      'webhook-id': webhook.deliveryId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': standardWebhooksSignature(
        webhook.deliveryId,
        timestamp,
        body,
        standardWebhooksKey(webhook.secret),
      ),
    });
    if ('error' in answer) return failure(answer.error);
    const { statusCode } = answer;
    if (statusCode >= 200 && statusCode < 300) return { ok: true, statusCode, error: null };
    const redirect = statusCode >= 300 && statusCode < 400 ? ' (redirects are not followed)' : '';
    return { ok: false, statusCode, error: `the receiver answered ${statusCode}${redirect}` };
  }

  /**
   * POSTs a JSON body with the same address checks and pinning as webhooks (chat services take them
   * the same way). The answer's first bytes are kept, for the services that explain a refusal or a
   * rate limit in the body.
   */
  async post(
    target: string,
    body: Buffer,
    headers: Record<string, string>,
  ): Promise<PostAnswer | { error: string }> {
    const shape = webhookUrlShapeProblem(target);
    if (shape !== null) return { error: shape };
    const url = new URL(target);
    const host = urlHost(url);
    const signal = AbortSignal.timeout(this.timeoutMs);

    let address: { address: string; family: number };
    try {
      address = await this.resolve(host, signal);
    } catch (error) {
      if (signal.aborted) return { error: `no answer within ${this.timeoutMs} ms (resolving ${host})` };
      return { error: (error as Error).message };
    }

    const options: RequestOptions = {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': String(body.length),
        ...headers,
      },
      lookup: pinnedLookup(address.address, address.family),
      // A fresh connection per attempt: a pooled socket would skip the address check above.
      agent: false,
      signal,
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    try {
      return await new Promise<PostAnswer>((resolve, reject) => {
        const request = send(url, options, (response: IncomingMessage) => {
          // Reading the answer to the end (within the timeout) lets a slow receiver fail the attempt
          // rather than hang it; only its first bytes are kept.
          const chunks: Buffer[] = [];
          let kept = 0;
          response.on('data', (chunk: Buffer) => {
            if (kept >= MAX_ANSWER_BYTES) return;
            chunks.push(chunk.subarray(0, MAX_ANSWER_BYTES - kept));
            kept += Math.min(chunk.length, MAX_ANSWER_BYTES - kept);
          });
          response.on('end', () =>
            resolve({
              statusCode: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('error', reject);
        });
        request.on('error', reject);
        request.end(body);
      });
    } catch (error) {
      if (signal.aborted) return { error: `no answer within ${this.timeoutMs} ms` };
      return { error: networkError(error) };
    }
  }

  private async resolve(host: string, signal: AbortSignal): Promise<{ address: string; family: number }> {
    let addresses: Array<{ address: string; family: number }>;
    if (isIP(host)) {
      addresses = [{ address: host, family: isIP(host) }];
    } else {
      try {
        // The resolver has its own, longer timeouts: the attempt's deadline covers it too.
        addresses = await abortable(lookup(host, { all: true, verbatim: true }), signal);
      } catch (error) {
        throw new Error(`could not resolve ${host} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      if (addresses.length === 0) throw new Error(`could not resolve ${host} (no address)`);
    }
    if (!this.allowPrivate) {
      // Every address, not only the one used: a name that also points inside is refused whole.
      const problem = refusedAddressProblem(
        host,
        addresses.map((entry) => entry.address),
      );
      if (problem !== null) throw new Error(`refused: ${problem}`);
    }
    // IPv4 first: a receiver's IPv6 route is the one more often broken.
    return addresses.find((entry) => entry.family === 4) ?? addresses[0];
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

function pinnedLookup(address: string, family: number): LookupFunction {
  // net.connect asks for every address (`all`) when it races IPv4 and IPv6; answer in either form.
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as unknown as LookupFunction;
}

function failure(error: string): WebhookResult {
  return { ok: false, statusCode: null, error };
}

function networkError(error: unknown): string {
  const { code, message: raw } = (error ?? {}) as Partial<NodeJS.ErrnoException>;
  // Not `instanceof Error`: errors of node's own modules may come from another realm (test runners).
  const message = typeof raw === 'string' && raw !== '' ? raw : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
