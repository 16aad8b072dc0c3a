import { Injectable } from '@nestjs/common';
import { BusErrorCode, DomainException, type RpcUsage } from '@northstar/contracts';
import { AnalyticsConfig } from '../config';

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

interface PrometheusAnswer {
  status: 'success' | 'error';
  data?: { resultType: string; result: VectorSample[] };
  error?: string;
}

const QUERY_TIMEOUT_MS = 5000;

/** A label value inside a PromQL double-quoted string. */
export function promqlString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/**
 * RPC usage of a key as the RPC edge counts it: `increase(rpc_requests_total{key_id}[range])` at the
 * end of the range, per chain, method and status. `increase` extrapolates to the range's edges, so the
 * figures are rounded estimates (exact when the counter was scraped across the whole range).
 */
@Injectable()
export class PrometheusUsage {
  constructor(private readonly config: AnalyticsConfig) {}

  get enabled(): boolean {
    return this.config.PROMETHEUS_URL !== '';
  }

  async keyUsage(keyId: string, from: Date, to: Date): Promise<RpcUsage> {
    const seconds = Math.max(1, Math.round((to.getTime() - from.getTime()) / 1000));
    const query = `sum by (chain, method, status) (increase(rpc_requests_total{key_id=${promqlString(keyId)}}[${seconds}s]))`;
    const samples = await this.instant(query, to);
    const byChain = new Map<string, number>();
    const byMethod = new Map<string, { chain: string; method: string; count: number }>();
    let total = 0;
    let failed = 0;
    for (const sample of samples) {
      const count = Math.round(Number(sample.value[1]));
      if (!Number.isFinite(count) || count <= 0) continue;
      const chain = sample.metric['chain'] ?? '';
      const method = sample.metric['method'] ?? '';
      total += count;
      if ((sample.metric['status'] ?? 'ok') !== 'ok') failed += count;
      byChain.set(chain, (byChain.get(chain) ?? 0) + count);
      const key = `${chain}\n${method}`;
      const entry = byMethod.get(key) ?? { chain, method, count: 0 };
      entry.count += count;
      byMethod.set(key, entry);
    }
    return {
      source: 'prometheus',
      total,
      failed,
      byChain: [...byChain]
        .map(([chain, count]) => ({ chain, count }))
        .sort((a, b) => b.count - a.count || a.chain.localeCompare(b.chain)),
      byMethod: [...byMethod.values()].sort(
        (a, b) => b.count - a.count || a.chain.localeCompare(b.chain) || a.method.localeCompare(b.method),
      ),
    };
  }

  private async instant(query: string, at: Date): Promise<VectorSample[]> {
    const url = new URL('api/v1/query', this.config.PROMETHEUS_URL.replace(/\/?$/, '/'));
    url.searchParams.set('query', query);
    url.searchParams.set('time', String(at.getTime() / 1000));
    let answer: PrometheusAnswer;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) });
      answer = (await response.json()) as PrometheusAnswer;
    } catch {
      throw unavailable();
    }
    if (answer.status !== 'success' || answer.data?.resultType !== 'vector') {
      // A PromQL error here is ours (the query is built from a validated key id): never the caller's.
      throw new Error(`Prometheus refused the usage query: ${answer.error ?? 'unexpected answer'}`);
    }
    return answer.data.result;
  }
}

function unavailable(): DomainException {
  return new DomainException(BusErrorCode.Unavailable, 'The metrics store is unavailable', {
    retryAfterSeconds: 5,
  });
}
