import { MikroORM } from '@mikro-orm/postgresql';
import { TenancyEvents } from '@northstar/contracts';
import { eventually } from '@northstar/testing';
import { randomUUID } from 'node:crypto';
import { startTenancy, type Tenancy } from '../../test/harness';

let tenancy: Tenancy;

beforeAll(async () => {
  tenancy = await startTenancy({ TENANCY_OUTBOX_RELAY_INTERVAL_MS: '100' });
});

afterAll(async () => {
  await tenancy?.close();
});

async function sql(query: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  return tenancy.service.app.get(MikroORM).em.fork().getConnection().execute(query, params);
}

describe('the outbox relay', () => {
  it('publishes an event whose first publication did not happen, then removes it from the outbox', async () => {
    // As left behind by a request whose process died between its commit and the publication.
    const id = randomUUID();
    const event = { projectId: randomUUID(), orgId: randomUUID(), deletedAt: new Date().toISOString() };
    await sql(
      `insert into tenancy.outbox (id, subject, payload, created_at) values (?, ?, ?, now() - interval '10 seconds')`,
      [id, TenancyEvents.projectDeleted, JSON.stringify(event)],
    );

    await expect(tenancy.projectsDeleted.find((e) => e.projectId === event.projectId)).resolves.toEqual(
      event,
    );
    await eventually(async () =>
      expect(await sql('select id from tenancy.outbox where id = ?', [id])).toEqual([]),
    );
  });
});
