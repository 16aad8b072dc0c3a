import { Module } from '@nestjs/common';
import { AuthController } from './auth.controller';
import { MeController } from './me.controller';

/** The Identity routes of the public API (auth, me, sessions). */
@Module({ controllers: [AuthController, MeController] })
export class IdentityRoutesModule {}
