import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as it arrived. */
  raw: Buffer;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** Never answers (to exercise the sender's timeout). */
  hang?: boolean;
}

/**
 * A real HTTP receiver on 127.0.0.1. Each path answers from its own script of answers, the last one
 * repeating: `receiver.script('/flaky', 500, 500, 200)`.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly scripts = new Map<string, Answer[]>();
  private readonly server: Server;
  private port = 0;

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        const pathname = path.split('?')[0] ?? path;
        this.received.push({ path, headers: request.headers, raw: Buffer.concat(chunks) });
        const script = this.scripts.get(pathname) ?? [{ status: 200 }];
        const answer = script.length > 1 ? (script.shift() as Answer) : script[0];
        if (answer.hang) return;
        response.writeHead(answer.status, answer.headers ?? {});
        response.end('ok');
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

  at(path: string): ReceivedWebhook[] {
    return this.received.filter((request) => (request.path.split('?')[0] ?? '') === path);
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
