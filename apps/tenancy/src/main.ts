import { runService } from '@northstar/service-runtime';
import { tenancyService } from './tenancy.service-definition';

runService(tenancyService);
