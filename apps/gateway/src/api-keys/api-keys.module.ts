import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { GatewayConfig } from '../config';
import { ApiKeyAdmission } from './api-key-admission';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { ApiKeyGuard } from './api-key.guard';
import { API_KEYS_REDIS, ApiKeysRedisCloser, createApiKeysRedis } from './api-keys.redis';
import { ApiKeysSettings, apiKeysSettingsOf } from './api-keys.settings';
import { CreditClock, CreditLedger } from './credit-ledger';
import { KeyBroadcastListener } from './key-broadcast.listener';
import { KeyVerifier } from './key-verifier';
import { RateLimiter } from './rate-limiter';
import { RpcKeyVerification } from './rpc-key-verification';
import { RpcUsageRecorder } from './rpc-usage-recorder';
import { UsageRecorder } from './usage-recorder';
import { VerifyTokenGuard } from './verify-token.guard';
import { VerifyTokens } from './verify-tokens';

/**
 * API-key authentication of SDK and server calls: verification cache, rate limits, usage recording;
 * and the verification of keys for the operator's RPC proxies (service tokens, credits).
 * Global, so that any route module can use @KeyAuth() / @RequireScopes() without importing it.
 */
@Global()
@Module({})
export class ApiKeysModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    const settings = apiKeysSettingsOf(config);
    return {
      module: ApiKeysModule,
      providers: [
        { provide: ApiKeysSettings, useValue: settings },
        {
          provide: API_KEYS_REDIS,
          useFactory: () => createApiKeysRedis(settings.REDIS_URL, settings.API_KEY_REDIS_TIMEOUT_MS),
        },
        ApiKeysRedisCloser,
        KeyVerifier,
        RateLimiter,
        UsageRecorder,
        ApiKeyAuthenticator,
        ApiKeyAdmission,
        ApiKeyGuard,
        KeyBroadcastListener,
        { provide: VerifyTokens, useValue: new VerifyTokens(settings.VERIFY_TOKENS) },
        VerifyTokenGuard,
        CreditClock,
        CreditLedger,
        RpcUsageRecorder,
        RpcKeyVerification,
      ],
      exports: [
        // The gateway's Redis connection, also counting the event quotas (QuotaModule).
        API_KEYS_REDIS,
        ApiKeyGuard,
        ApiKeyAdmission,
        ApiKeyAuthenticator,
        KeyVerifier,
        RateLimiter,
        UsageRecorder,
        VerifyTokens,
        VerifyTokenGuard,
        RpcKeyVerification,
        CreditClock,
      ],
    };
  }
}
