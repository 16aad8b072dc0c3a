import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as it arrived. */
  raw: Buffer;
  /** On a path that verifies: null when standardwebhooks accepted it, else the library's error. */
  rejected?: string | null;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** Never answers (to exercise the sender's timeout). */
  hang?: boolean;
  /** The answer's body (JSON, as chat services explain a refusal); `ok` when absent. */
  body?: string;
}

/**
 * A real HTTP receiver on 127.0.0.1. Each path answers from its own script of answers, the last one
 * repeating: `receiver.script('/flaky', 500, 500, 200)`. A path given a secret with `verify` first
 * checks each request as a Standard Webhooks receiver does (`new Webhook(secret).verify`) and answers
 * 401 to one the library rejects.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly scripts = new Map<string, Answer[]>();
  private readonly verifiers = new Map<string, Webhook>();
  /** How far ahead of the real time the receiver's clock is, to judge a replay some time later. */
  clockAheadSeconds = 0;
  private readonly server: Server;
  private port = 0;

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        const pathname = path.split('?')[0] ?? path;
        const raw = Buffer.concat(chunks);
        const verifier = this.verifiers.get(pathname);
        const rejected = verifier ? this.rejection(verifier, raw, request.headers) : undefined;
        this.received.push({
          path,
          headers: request.headers,
          raw,
          at: Date.now(),
          ...(verifier && { rejected }),
        });
        if (rejected) {
          response.writeHead(401).end(rejected);
          return;
        }
        const script = this.scripts.get(pathname) ?? [{ status: 200 }];
        const answer = script.length > 1 ? (script.shift() as Answer) : script[0];
        if (answer.hang) return;
        response.writeHead(answer.status, answer.headers ?? {});
        response.end(answer.body ?? 'ok');
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  script(path: string, ...answers: Array<number | Answer>): void {
    this.scripts.set(
      path,
      answers.map((answer) => (typeof answer === 'number' ? { status: answer } : answer)),
    );
  }

  /** Verifies requests to `path` with standardwebhooks: `secret` as the API showed it, or raw key bytes. */
  verify(path: string, secret: string | Uint8Array): void {
    this.verifiers.set(
      path,
      typeof secret === 'string' ? new Webhook(secret) : new Webhook(secret, { format: 'raw' }),
    );
  }

  /** Sends a received request again, the same bytes and headers, as someone who captured it would. */
  replay(request: ReceivedWebhook, headers: IncomingHttpHeaders = request.headers): Promise<number> {
    return new Promise((resolve, reject) => {
      const sent = httpRequest(this.url(request.path), { method: 'POST', headers }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      });
      sent.on('error', reject);
      sent.end(request.raw);
    });
  }

  private rejection(verifier: Webhook, raw: Buffer, headers: IncomingHttpHeaders): string | null {
    const realNow = Date.now;
    // verify() is synchronous: nothing else runs while its clock is moved.
    Date.now = () => realNow() + this.clockAheadSeconds * 1000;
    try {
      verifier.verify(raw, headers as Record<string, string>);
      return null;
    } catch (error) {
      return (error as Error).message;
    } finally {
      Date.now = realNow;
    }
  }

  at(path: string): ReceivedWebhook[] {
    return this.received.filter((request) => (request.path.split('?')[0] ?? '') === path);
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
