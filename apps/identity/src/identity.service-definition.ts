import type { ServiceDefinition } from '@northstar/service-runtime';
import { IdentityConfig } from './config';
import { IdentityModule } from './identity.module';

export const identityService: ServiceDefinition<IdentityConfig> = {
  name: 'identity',
  configClass: IdentityConfig,
  module: () => IdentityModule,
  subjects: [],
};
