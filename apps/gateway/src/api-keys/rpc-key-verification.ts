import { Injectable, Logger } from '@nestjs/common';
import { BusErrorCode, DomainException } from '@northstar/contracts';
import { CreditLedger, type CreditSpend } from './credit-ledger';
import { KeyVerifier, type AuthenticatedKey } from './key-verifier';
import { RateLimiter } from './rate-limiter';
import { RpcUsageRecorder } from './rpc-usage-recorder';
import { UsageRecorder } from './usage-recorder';
import { freeRefusal, type VerifyCode, type VerifyContext } from './verify-codes';

export interface RpcVerifyRequest extends VerifyContext {
  key: string;
  method?: string;
  cost?: number;
}

export interface RpcVerifyAnswer {
  valid: boolean;
  code: VerifyCode;
  keyId?: string;
  projectId?: string;
  orgId?: string;
  scopes?: string[];
  credits?: { remaining: number };
  rateLimit?: { limit: number; remaining: number; reset: number };
}

/**
 * Answers an RPC proxy whether a call made with a key may be served, with what the gateway's own
 * key-authenticated routes use: the verification cache (a cache hit costs no I/O), the allowlists
 * compiled per cached key, the shared rate limit, and the key's credits in Redis. Every verification
 * of a known key counts toward its usage, by chain, like the gateway's own requests.
 */
@Injectable()
export class RpcKeyVerification {
  private readonly logger = new Logger(RpcKeyVerification.name);

  constructor(
    private readonly verifier: KeyVerifier,
    private readonly limiter: RateLimiter,
    private readonly ledger: CreditLedger,
    private readonly usage: UsageRecorder,
    private readonly rpcUsage: RpcUsageRecorder,
  ) {}

  async verify(request: RpcVerifyRequest): Promise<RpcVerifyAnswer> {
    const outcome = this.verifier.cached(request.key) ?? (await this.verifier.verify(request.key));
    if (!outcome.ok) return { valid: false, code: freeRefusal(outcome, request) ?? 'NOT_FOUND' };
    const answer = await this.judge(outcome.key, request);
    // Every verification of a known key is usage: a request of the key (by chain) as for its other
    // requests, and an RPC call (by chain, method and answer) in ClickHouse.
    this.usage.record(outcome.key.keyId, Date.now(), request.chain);
    this.rpcUsage.record(outcome.key, answer.code, request.chain, request.method);
    return answer;
  }

  private async judge(key: AuthenticatedKey, request: RpcVerifyRequest): Promise<RpcVerifyAnswer> {
    const answer: RpcVerifyAnswer = {
      valid: false,
      code: 'VALID',
      keyId: key.keyId,
      projectId: key.projectId,
      orgId: key.orgId,
      scopes: [...key.scopes],
    };
    const refusal = freeRefusal({ ok: true, key }, request);
    if (refusal) return { ...answer, code: refusal };

    if (key.rateLimit) {
      const { limit, windowSeconds } = key.rateLimit;
      // Fails open, as on every other route: without Redis the call is not limited.
      const decision = await this.limiter.take(`gateway:key-rate:${key.keyId}`, limit, windowSeconds, 1);
      if (decision) {
        answer.rateLimit = {
          limit,
          remaining: decision.remaining,
          reset: Date.now() + decision.resetSeconds * 1000,
        };
        if (!decision.allowed) return { ...answer, code: 'RATE_LIMITED' };
      }
    }

    if (key.credits) {
      const spend = await this.spend(key, request.cost ?? 1);
      answer.credits = { remaining: spend.remaining };
      if (!spend.allowed) return { ...answer, code: 'USAGE_EXCEEDED' };
    }
    return { ...answer, valid: true, code: 'VALID' };
  }

  private async spend(key: AuthenticatedKey, cost: number): Promise<CreditSpend> {
    const credits = key.credits;
    if (!credits) throw new Error('spend() of a key without credits');
    let spend: CreditSpend;
    try {
      spend = await this.ledger.spend(key.keyId, credits, cost);
    } catch (error) {
      this.logger.warn(`Credits of key ${key.keyId} not checked, Redis unavailable: ${String(error)}`);
      throw new DomainException(
        BusErrorCode.Unavailable,
        "The key's credits cannot be checked right now; retry shortly",
        { retryAfterSeconds: 1 },
      );
    }
    this.usage.recordCredits({
      keyId: key.keyId,
      generation: spend.generation,
      period: spend.period,
      remaining: spend.remaining,
    });
    return spend;
  }
}
