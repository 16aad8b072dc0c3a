import {
  isoTimeOrNull,
  type ApiKeyDto,
  type KeyCreditsDto,
  type KeyCreditsRecord,
  type KeyRateLimit,
  type KeyVerification,
} from '@northstar/contracts';
import type { ApiKey } from './api-key.entity';
import type { KeySecret } from './key-secret.entity';

export function rateLimitOf(key: ApiKey): KeyRateLimit | null {
  return key.rateLimit !== null && key.rateLimitWindowSeconds !== null
    ? { limit: key.rateLimit, windowSeconds: key.rateLimitWindowSeconds }
    : null;
}

export function creditsOf(key: ApiKey): KeyCreditsDto | null {
  if (key.creditsRemaining === null) return null;
  return {
    remaining: Number(key.creditsRemaining),
    refill:
      key.creditsRefillInterval !== null && key.creditsRefillAmount !== null
        ? { interval: key.creditsRefillInterval, amount: Number(key.creditsRefillAmount) }
        : null,
  };
}

function creditsRecordOf(key: ApiKey): KeyCreditsRecord | null {
  const credits = creditsOf(key);
  return credits && { ...credits, generation: key.creditsGeneration, period: key.creditsPeriod };
}

export function toApiKeyDto(key: ApiKey): ApiKeyDto {
  return {
    id: key.id,
    projectId: key.projectId,
    name: key.name,
    prefix: key.prefix,
    scopes: [...key.scopes],
    createdAt: key.createdAt.toISOString(),
    expiresAt: isoTimeOrNull(key.expiresAt),
    rateLimit: rateLimitOf(key),
    lastUsedAt: isoTimeOrNull(key.lastUsedAt),
    revokedAt: isoTimeOrNull(key.revokedAt),
    allowedOrigins: [...key.allowedOrigins],
    allowedIps: [...key.allowedIps],
    allowedChains: [...key.allowedChains],
    credits: creditsOf(key),
  };
}

/** What a gateway needs to accept or refuse a request made with this secret of this key. */
export function toVerification(key: ApiKey, secret: KeySecret): KeyVerification {
  const ends = [key.expiresAt, secret.expiresAt].filter((date): date is Date => date !== null);
  const expiresAt = ends.length > 0 ? new Date(Math.min(...ends.map((date) => date.getTime()))) : null;
  return {
    keyId: key.id,
    orgId: key.orgId,
    projectId: key.projectId,
    hash: secret.hash,
    scopes: [...key.scopes],
    expiresAt: isoTimeOrNull(expiresAt),
    rateLimit: rateLimitOf(key),
    revoked: key.revokedAt !== null,
    version: key.version,
    allowedOrigins: [...key.allowedOrigins],
    allowedIps: [...key.allowedIps],
    allowedChains: [...key.allowedChains],
    allowedChainIds: [...key.allowedChainIds],
    credits: creditsRecordOf(key),
  };
}
