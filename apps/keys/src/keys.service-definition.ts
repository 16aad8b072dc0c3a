import type { ServiceDefinition } from '@northstar/service-runtime';
import { KeysConfig } from './config';
import { KeysModule } from './keys.module';

export const keysService: ServiceDefinition<KeysConfig> = {
  name: 'keys',
  configClass: KeysConfig,
  module: () => KeysModule,
  subjects: [],
};
