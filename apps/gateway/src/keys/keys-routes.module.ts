import { Module } from '@nestjs/common';
import { KeySelfController } from './key-self.controller';
import { KeysController } from './keys.controller';

/** The Keys routes of the public API (keys of a project, rotation, revocation, endpoints). */
@Module({ controllers: [KeySelfController, KeysController] })
export class KeysRoutesModule {}
