import { Module } from '@nestjs/common';

/** The Tenancy routes of the public API (organisations, members, invitations, projects). */
@Module({})
export class TenancyRoutesModule {}
