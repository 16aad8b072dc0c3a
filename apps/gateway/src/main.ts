import { Logger } from '@nestjs/common';
import { runProcess } from '@northstar/service-runtime';
import { startGateway } from './gateway.bootstrap';

runProcess('gateway', async () => {
  const gateway = await startGateway();
  new Logger('gateway').log(`Listening on ${gateway.url} (docs at ${gateway.url}/docs)`);
  return gateway;
});
