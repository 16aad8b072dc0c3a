import { Module } from '@nestjs/common';

/** The Keys routes of the public API (keys of a project, rotation, revocation, endpoints). */
@Module({})
export class KeysRoutesModule {}
