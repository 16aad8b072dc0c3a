import { Module } from '@nestjs/common';

/** The tenancy service; its features arrive with their issues. */
@Module({})
export class TenancyModule {}
