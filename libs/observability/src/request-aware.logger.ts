import { ConsoleLogger } from '@nestjs/common';
import { currentRequestId } from './request-context';

/** Nest's console logger with the current request id in every line written while handling a request. */
export class RequestAwareLogger extends ConsoleLogger {
  protected override formatContext(context: string): string {
    const base = super.formatContext(context);
    const requestId = currentRequestId();
    return requestId ? `${base}[req ${requestId}] ` : base;
  }
}
