import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { busPermissions } from './bus-permissions';
import { natsAuthorization } from './nats-authorization';

describe('the NATS users of a production bus', () => {
  it('deploy/nats/auth.conf is what the bus permissions generate (run `npm run nats:auth` after a change)', () => {
    const committed = readFileSync(join(__dirname, '../../../../deploy/nats/auth.conf'), 'utf8');
    expect(committed).toBe(natsAuthorization());
  });

  it('gives each service only its own requests to answer, and the gateway none', () => {
    expect(busPermissions('gateway').subscribe).not.toContain('identity.auth.login');
    expect(busPermissions('identity').subscribe).toContain('identity.auth.login');
    expect(busPermissions('tenancy').subscribe).not.toContain('identity.auth.login');
    // A service calls only what it uses: tenancy asks identity for user names, never logs anyone in.
    expect(busPermissions('tenancy').publish).toContain('identity.user.by-ids');
    expect(busPermissions('tenancy').publish).not.toContain('identity.auth.login');
    // Replies come back on a prefix of its own, which no other process may read.
    expect(busPermissions('keys').subscribe).toContain('_INBOX_keys.>');
    expect(busPermissions('keys').subscribe).not.toContain('_INBOX.>');
  });
});
