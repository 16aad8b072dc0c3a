import { Module } from '@nestjs/common';

/** The identity service; its features arrive with their issues. */
@Module({})
export class IdentityModule {}
