import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export type Outcome = 'ok' | 'error';

/** One Prometheus registry per process, with the default Node metrics and the bus handling histogram. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly busMessages = new Histogram({
    name: 'northstar_bus_messages_handled_seconds',
    help: 'Time to handle a bus message, by subject and outcome',
    labelNames: ['subject', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  setServiceLabel(service: string): void {
    this.registry.setDefaultLabels({ service });
  }
}
