import { Module, type DynamicModule } from '@nestjs/common';
import type { GatewayConfig } from '../config';

/** API-key authentication of SDK and server calls: verification cache, rate limits, usage recording. */
@Module({})
export class ApiKeysModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    void config;
    return { module: ApiKeysModule };
  }
}
