import { Injectable } from '@nestjs/common';

export type ReadinessCheck = () => Promise<unknown>;

export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  checks: Record<string, { status: 'up' | 'down'; latencyMs: number; error?: string }>;
}

const CHECK_TIMEOUT_MS = 2000;

/** Dependencies register a check here (bus, PostgreSQL, Redis, ClickHouse); /ready runs them all. */
@Injectable()
export class ReadinessService {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  async report(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        const started = performance.now();
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS);
          return [name, { status: 'up' as const, latencyMs: elapsed(started) }] as const;
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          return [name, { status: 'down' as const, latencyMs: elapsed(started), error: message }] as const;
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    const ready = entries.every(([, result]) => result.status === 'up');
    return { status: ready ? 'ready' : 'not_ready', checks };
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
