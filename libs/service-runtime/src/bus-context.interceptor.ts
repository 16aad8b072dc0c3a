import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { NatsContext } from '@nestjs/microservices';
import {
  MetricsService,
  REQUEST_ID_HEADER,
  runWithRequestContext,
  sanitizeRequestId,
} from '@northstar/observability';
import { Observable } from 'rxjs';

/**
 * Runs each bus handler inside the request's context (its id comes in the NATS headers, so every log
 * line of the hop carries it) and times it for the metrics.
 */
@Injectable()
export class BusContextInterceptor implements NestInterceptor {
  constructor(private readonly metrics: MetricsService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const rpc = context.switchToRpc();
    const nats = rpc.getContext<NatsContext>();
    const headers = nats.getHeaders() as { get(name: string): string } | undefined;
    const requestId = sanitizeRequestId(headers?.get(REQUEST_ID_HEADER));
    const subject = nats.getSubject();
    const stop = this.metrics.busMessages.startTimer({ subject });
    return new Observable((subscriber) =>
      runWithRequestContext({ requestId }, () =>
        next.handle().subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => {
            stop({ outcome: 'error' });
            subscriber.error(error);
          },
          complete: () => {
            stop({ outcome: 'ok' });
            subscriber.complete();
          },
        }),
      ),
    );
  }
}
