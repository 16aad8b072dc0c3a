import type { ServiceDefinition } from '@northstar/service-runtime';
import { TenancyConfig } from './config';
import { TenancyModule } from './tenancy.module';

export const tenancyService: ServiceDefinition<TenancyConfig> = {
  name: 'tenancy',
  configClass: TenancyConfig,
  module: () => TenancyModule,
  subjects: [],
};
