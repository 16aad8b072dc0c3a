import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { BusClient } from '@northstar/messaging';
import type { GatewayConfig } from '../config';
import { UserJwtStrategy } from './jwt.strategy';
import { SessionBroadcastListener } from './session-broadcast.listener';
import { SessionGate } from './session-gate';
import { UserAuthGuard } from './user-auth.guard';

/**
 * Authentication of the gateway: the JWT strategy for users, the check that the token's session still
 * stands, and the guard applied to every route.
 */
@Module({})
export class AuthModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    return {
      module: AuthModule,
      imports: [PassportModule.register({ session: false })],
      providers: [
        {
          provide: SessionGate,
          inject: [BusClient],
          useFactory: (bus: BusClient) =>
            new SessionGate({ recheckSeconds: config.SESSION_RECHECK_SECONDS }, bus),
        },
        SessionBroadcastListener,
        { provide: UserJwtStrategy, useFactory: () => new UserJwtStrategy(config.JWT_SECRET) },
        { provide: APP_GUARD, useClass: UserAuthGuard },
      ],
    };
  }
}
