import { Module, type DynamicModule } from '@nestjs/common';
import { GatewayConfig } from '../config';
import { AuthController } from './auth.controller';
import { MeIdentitiesController } from './me-identities.controller';
import { MeController } from './me.controller';
import { MfaController } from './mfa.controller';
import { OidcController } from './oidc.controller';

/** The Identity routes of the public API (auth, two factors, single sign-on, me, sessions, identities). */
@Module({})
export class IdentityRoutesModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    return {
      module: IdentityRoutesModule,
      controllers: [AuthController, MfaController, OidcController, MeController, MeIdentitiesController],
      providers: [{ provide: GatewayConfig, useValue: config }],
    };
  }
}
