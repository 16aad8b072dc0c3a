import { Module } from '@nestjs/common';
import { AuthController } from './auth.controller';
import { MeController } from './me.controller';
import { MfaController } from './mfa.controller';

/** The Identity routes of the public API (auth, me, sessions, two factors). */
@Module({ controllers: [AuthController, MeController, MfaController] })
export class IdentityRoutesModule {}
