import { Module } from '@nestjs/common';

/** The keys service; its features arrive with their issues. */
@Module({})
export class KeysModule {}
