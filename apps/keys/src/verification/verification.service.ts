import { Injectable } from '@nestjs/common';
import type { VerifyKeyResponse } from '@northstar/contracts';
import { toVerification } from '../key/key.mapper';
import { KeyRepository } from '../key/key.repository';
import { VerificationCache } from './verification.cache';

/**
 * Key hash → what the key may do, for the gateway on a miss of its caches. Revoked and expired keys
 * are answered too (with `revoked` and `expiresAt`): the gateway refuses them, and caches that answer.
 */
@Injectable()
export class VerificationService {
  constructor(
    private readonly keys: KeyRepository,
    private readonly cache: VerificationCache,
  ) {}

  async verify(hash: string): Promise<VerifyKeyResponse> {
    const secret = await this.keys.findSecretByHash(hash);
    if (!secret) return { key: null };
    const record = toVerification(secret.key, secret);
    await this.cache.offer(record);
    return { key: record };
  }
}
