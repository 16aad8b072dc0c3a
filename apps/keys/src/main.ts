import { runService } from '@northstar/service-runtime';
import { keysService } from './keys.service-definition';

runService(keysService);
