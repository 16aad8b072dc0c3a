// Writes deploy/nats/auth.conf, the NATS users of a production bus, from the bus permissions of
// libs/contracts (one user per process, limited to the subjects it sends and receives). Run with
// `npm run nats:auth` after changing who talks to whom; a unit test fails while the file is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { natsAuthorization } from '../../libs/contracts/src/system/nats-authorization';

const target = join(__dirname, 'auth.conf');
writeFileSync(target, natsAuthorization());
console.log(`wrote ${target}`);
