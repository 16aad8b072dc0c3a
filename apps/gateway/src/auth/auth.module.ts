import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import type { GatewayConfig } from '../config';
import { UserJwtStrategy } from './jwt.strategy';
import { UserAuthGuard } from './user-auth.guard';

/** Authentication of the gateway: the JWT strategy for users and the guard applied to every route. */
@Module({})
export class AuthModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    return {
      module: AuthModule,
      imports: [PassportModule.register({ session: false })],
      providers: [
        { provide: UserJwtStrategy, useFactory: () => new UserJwtStrategy(config.JWT_SECRET) },
        { provide: APP_GUARD, useClass: UserAuthGuard },
      ],
    };
  }
}
