import { Catch, Logger, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { throwError, type Observable } from 'rxjs';
import { BusErrorCode, DomainException, type BusErrorPayload } from '@northstar/contracts';
import { currentRequestId } from '@northstar/observability';

/**
 * Every failure of a bus handler leaves as a typed payload. Expected (domain) errors pass as they
 * are; anything else is logged with an error id and the caller only learns that id.
 */
@Catch()
export class BusExceptionFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('BusExceptionFilter');

  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => this.toPayload(exception));
  }

  private toPayload(exception: unknown): BusErrorPayload {
    if (exception instanceof DomainException) return exception.toPayload();
    const errorId = randomUUID();
    const detail = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
    this.logger.error(`Unhandled error ${errorId} (request ${currentRequestId() ?? '-'}): ${detail}`);
    return { code: BusErrorCode.Internal, message: 'Internal error', errorId };
  }
}
