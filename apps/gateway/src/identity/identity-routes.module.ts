import { Module } from '@nestjs/common';

/** The Identity routes of the public API (auth, me, sessions). */
@Module({})
export class IdentityRoutesModule {}
