import { MikroORM } from '@mikro-orm/postgresql';
import { IdentityEvents, IdentitySubjects } from '@northstar/contracts';
import type { RunningService } from '@northstar/service-runtime';
import { connectTestBus, eventually, startTestService, type TestBus } from '@northstar/testing';
import { randomUUID } from 'node:crypto';
import { client, latestDomainEvent, PASSWORD, uniqueEmail } from '../../test/identity-testing';
import { identityService } from '../identity.service-definition';

// Identity's durable events leave through its outbox (the shared one of @northstar/persistence).
let service: RunningService;
let bus: TestBus;

beforeAll(async () => {
  service = await startTestService(identityService, { IDENTITY_OUTBOX_RELAY_INTERVAL_MS: '100' });
  bus = await connectTestBus();
});

afterAll(async () => {
  await bus?.close();
  await service?.close();
});

async function sql(query: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  return service.app.get(MikroORM).em.fork().getConnection().execute(query, params);
}

describe("identity's outbox", () => {
  it('publishes a registration after its commit and leaves nothing in the outbox', async () => {
    const since = new Date(Date.now() - 1000);
    const email = uniqueEmail('outbox');
    const { user } = await bus.bus.send(IdentitySubjects.register, {
      email,
      password: PASSWORD,
      name: 'Outbox',
      client: client(),
    });
    await expect(latestDomainEvent(bus, IdentityEvents.userRegistered, email, since)).resolves.toMatchObject({
      userId: user.id,
    });
    await eventually(async () =>
      expect(await sql(`select id from identity.outbox where payload->>'userId' = ?`, [user.id])).toEqual([]),
    );
  });

  it('publishes an event whose first publication did not happen (the process died after the commit)', async () => {
    const since = new Date(Date.now() - 1000);
    const email = uniqueEmail('left-behind');
    const event = {
      userId: randomUUID(),
      email,
      name: 'Left Behind',
      verificationToken: 'enc:v1:not-opened-by-this-test',
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    };
    const id = randomUUID();
    await sql(
      `insert into identity.outbox (id, subject, payload, created_at) values (?, ?, ?, now() - interval '10 seconds')`,
      [id, IdentityEvents.userRegistered, JSON.stringify(event)],
    );

    await expect(latestDomainEvent(bus, IdentityEvents.userRegistered, email, since)).resolves.toEqual(event);
    await eventually(async () =>
      expect(await sql('select id from identity.outbox where id = ?', [id])).toEqual([]),
    );
  });
});
