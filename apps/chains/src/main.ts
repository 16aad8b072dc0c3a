import { runService } from '@northstar/service-runtime';
import { chainsService } from './chains.service-definition';

runService(chainsService);
