import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { DomainException } from '@northstar/contracts';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  PROBLEM_CONTENT_TYPE,
  problemKindForCode,
  problemKindForStatus,
  problemType,
  type Problem,
} from './problem';

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

/**
 * Every error of the gateway leaves here as problem+json: service errors from the bus, validation,
 * routing and body-parsing errors of the HTTP layer. A 500 carries only an error id; the detail is logged.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const requestId = String(request.id);
    const { problem, retryAfterSeconds } = this.toProblem(exception, requestId);
    if (retryAfterSeconds !== undefined) void reply.header('retry-after', String(retryAfterSeconds));
    void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
  }

  private toProblem(exception: unknown, requestId: string): { problem: Problem; retryAfterSeconds?: number } {
    if (exception instanceof DomainException) {
      const kind = problemKindForCode(exception.code);
      if (kind.status >= 500 && exception.extra.errorId === undefined) {
        this.logger.warn(`${exception.code}: ${exception.message} (request ${requestId})`);
      }
      return {
        problem: {
          type: problemType(specificSlug(exception.extra.problem) ?? kind.slug),
          title: kind.title,
          status: kind.status,
          detail: exception.message,
          ...(exception.extra.errors ? { errors: exception.extra.errors } : {}),
          ...(exception.extra.errorId ? { errorId: exception.extra.errorId } : {}),
          ...(exception.extra.limit ? { limit: exception.extra.limit } : {}),
          requestId,
        },
        retryAfterSeconds: exception.extra.retryAfterSeconds,
      };
    }
    const status = statusOf(exception);
    if (status !== undefined && status < 500) {
      const kind = problemKindForStatus(status);
      return {
        problem: {
          type: problemType(kind.slug),
          title: kind.title,
          status,
          detail: detailOf(exception, kind.title),
          requestId,
        },
      };
    }
    const errorId = randomUUID();
    const detail = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
    this.logger.error(`Unhandled error ${errorId} (request ${requestId}): ${detail}`);
    const kind = problemKindForStatus(500);
    return {
      problem: {
        type: problemType(kind.slug),
        title: kind.title,
        status: 500,
        detail: `Something went wrong on our side; quote error id ${errorId} when reporting it`,
        errorId,
        requestId,
      },
    };
  }
}

function statusOf(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return exception.getStatus();
  const status = (exception as FastifyLikeError | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : undefined;
}

function detailOf(exception: unknown, fallback: string): string {
  if (exception instanceof HttpException) {
    const response = exception.getResponse();
    if (typeof response === 'string') return response;
    const message = (response as { message?: unknown }).message;
    if (typeof message === 'string') return message;
    if (Array.isArray(message)) return message.join('; ');
    return exception.message;
  }
  const error = exception as FastifyLikeError;
  return typeof error.message === 'string' && error.message.length > 0 ? error.message : fallback;
}

/**
 * Fastify's `frameworkErrors` option: errors it answers before routing (a malformed percent-encoding,
 * an over-long path parameter) never reach Nest's filters nor the request hooks, so answer them here.
 */
export function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status =
    typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500
      ? error.statusCode
      : 400;
  const kind = problemKindForStatus(status);
  const requestId = String(request.id);
  const problem: Problem = {
    type: problemType(kind.slug),
    title: kind.title,
    status,
    detail:
      status === 414
        ? 'A path segment of the URL is too long'
        : 'The URL is malformed (bad percent-encoding)',
    requestId,
  };
  void reply
    .status(status)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .header('x-request-id', requestId)
    .send(problem);
}

/** A service's more precise problem slug, if it is one (it lands in a URL). */
function specificSlug(slug: string | undefined): string | undefined {
  return slug !== undefined && /^[a-z][a-z0-9-]{0,63}$/.test(slug) ? slug : undefined;
}

/**
 * Fastify's `clientErrorHandler` option: requests Node's HTTP parser refuses (headers or request line
 * over its size limit, a malformed request line, a client timeout) reach neither Fastify's routing
 * nor Nest. Fastify's default answers them with its own JSON; answer problem+json like every other
 * error, then close the connection, whose byte stream can no longer be trusted.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status =
    error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const kind = problemKindForStatus(status);
  const requestId = randomUUID();
  const problem: Problem = {
    type: problemType(kind.slug),
    title: kind.title,
    status,
    detail:
      status === 431
        ? 'The request line and headers are over the size limit (a URL that long is refused)'
        : status === 408
          ? 'The request was not received in time'
          : 'The request is not valid HTTP',
    requestId,
  };
  const body = JSON.stringify(problem);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? kind.title}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
