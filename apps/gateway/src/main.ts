import { Logger } from '@nestjs/common';
import { ConfigError } from '@northstar/config';
import { startGateway } from './gateway.bootstrap';

const logger = new Logger('gateway');

startGateway()
  .then((gateway) => {
    logger.log(`Listening on ${gateway.url} (docs at ${gateway.url}/docs)`);
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.log(`${signal} received, closing`);
      gateway.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  })
  .catch((error: unknown) => {
    logger.error(error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
