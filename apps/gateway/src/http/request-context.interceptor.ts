import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { runWithRequestContext } from '@northstar/observability';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';

/** Handlers run inside the request's context, so bus calls forward its id and logs show it. */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    return new Observable((subscriber) =>
      runWithRequestContext({ requestId: String(request.id) }, () => next.handle().subscribe(subscriber)),
    );
  }
}
