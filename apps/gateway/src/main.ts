import { Logger } from '@nestjs/common';
import { runProcess } from '@northstar/service-runtime';
import { startGateway } from './gateway.bootstrap';

runProcess('gateway', async () => {
  // The gateway owns no storage; `main.js migrate` is accepted so every app has the same entry.
  if (process.argv[2] === 'migrate') return;
  const gateway = await startGateway();
  new Logger('gateway').log(`Listening on ${gateway.url} (docs at ${gateway.url}/docs)`);
  return gateway;
});
