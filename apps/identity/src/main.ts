import { runService } from '@northstar/service-runtime';
import { identityService } from './identity.service-definition';

runService(identityService);
