import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { BusErrorCode, DomainException } from '@northstar/contracts';
import { API_KEY_REQUEST_PROPERTY, type KeyAuthenticatedRequest } from '../api-keys/api-key.guard';

/** Who sends events, and how: what intake needs from the request besides its body. */
export interface IngestCaller {
  /** The project of the API key: every event of the request belongs to it. */
  projectId: string;
  requestId: string;
  /** The reference of the clock-skew correction. */
  receivedAt: Date;
  /**
   * The caller's address when it is the user's own browser, for the country of events without
   * `context.ip`. A server-side SDK's address says nothing about the user, so it is not used.
   */
  clientIp?: string;
  /** The EIP-155 chain ids events may name in `web3.chainId`, for a key bound to some chains. */
  allowedChainIds?: ReadonlySet<number>;
}

type CallerRequest = Pick<KeyAuthenticatedRequest, 'id' | 'ip' | 'headers' | typeof API_KEY_REQUEST_PROPERTY>;

export function ingestCallerOf(request: CallerRequest, receivedAt = new Date()): IngestCaller {
  const key = request[API_KEY_REQUEST_PROPERTY];
  if (!key) throw new DomainException(BusErrorCode.Unauthenticated, 'An API key is required');
  // Browsers send Origin with every cross-origin request (and every POST); server SDKs do not.
  const fromBrowser = typeof request.headers['origin'] === 'string';
  return {
    projectId: key.projectId,
    requestId: String(request.id),
    receivedAt,
    ...(fromBrowser ? { clientIp: request.ip } : {}),
    ...(key.rules.chains ? { allowedChainIds: key.rules.chains.chainIds } : {}),
  };
}

/** The IngestCaller of a key-authenticated request (after ApiKeyGuard). */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): IngestCaller =>
  ingestCallerOf(context.switchToHttp().getRequest<KeyAuthenticatedRequest>()),
);
