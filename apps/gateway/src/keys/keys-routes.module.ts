import { Module } from '@nestjs/common';
import { KeySelfController } from './key-self.controller';
import { KeyVerifyController } from './key-verify.controller';
import { KeysController } from './keys.controller';

/** The Keys routes of the public API (keys of a project, rotation, revocation, endpoints, verification for RPC proxies). */
@Module({ controllers: [KeySelfController, KeyVerifyController, KeysController] })
export class KeysRoutesModule {}
