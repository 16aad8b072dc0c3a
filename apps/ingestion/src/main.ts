import { runService } from '@northstar/service-runtime';
import { ingestionService } from './ingestion.service-definition';

runService(ingestionService);
