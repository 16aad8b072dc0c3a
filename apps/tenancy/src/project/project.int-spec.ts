import {
  BusErrorCode,
  TenancyEvents,
  TenancySubjects,
  type BusRequest,
  type BusSubject,
  type ProjectDeletedEvent,
} from '@northstar/contracts';
import { busError, eventually, uniqueSlug } from '@northstar/testing';
import { DeliverPolicy, JSONCodec } from 'nats';
import { Fixtures, startTenancy, type Tenancy } from '../../test/harness';

let tenancy: Tenancy;
let make: Fixtures;

beforeAll(async () => {
  tenancy = await startTenancy();
  make = new Fixtures(tenancy);
});

afterAll(async () => {
  await tenancy?.close();
});

const send = <S extends BusSubject>(subject: S, request: BusRequest<S>) =>
  tenancy.client.bus.send(subject, request);

/** Reads JetStream's DOMAIN_EVENTS stream itself: proves the event is stored, not only sent. */
async function storedProjectDeletion(projectId: string, since: Date): Promise<ProjectDeletedEvent> {
  const js = tenancy.client.connection.jetstream();
  const codec = JSONCodec<ProjectDeletedEvent>();
  return eventually(
    async () => {
      const consumer = await js.consumers.get('DOMAIN_EVENTS', {
        filterSubjects: `domain.${TenancyEvents.projectDeleted}`,
        deliver_policy: DeliverPolicy.StartTime,
        opt_start_time: since.toISOString(),
      });
      for (;;) {
        const message = await consumer.next({ expires: 1000 });
        if (!message) break;
        const event = codec.decode(message.data);
        if (event.projectId === projectId) return event;
        if (message.info.pending === 0) break;
      }
      throw new Error(`no stored ${TenancyEvents.projectDeleted} for ${projectId}`);
    },
    { intervalMs: 100 },
  );
}

describe('creating projects', () => {
  it('creates a project with its kind and time zone (UTC by default)', async () => {
    const team = await make.team();
    const slug = uniqueSlug('shop');
    const project = await send(TenancySubjects.createProject, {
      actor: team.admin.actor,
      orgId: team.org.id,
      name: 'Shop',
      slug,
      kind: 'hybrid',
      timezone: 'europe/paris',
    });
    expect(project).toEqual({
      id: expect.any(String),
      orgId: team.org.id,
      name: 'Shop',
      slug,
      kind: 'hybrid',
      timezone: 'Europe/Paris',
      createdAt: expect.any(String),
    });

    const plain = await send(TenancySubjects.createProject, {
      actor: team.owner.actor,
      orgId: team.org.id,
      name: 'Dapp Dashboard',
      kind: 'web3',
    });
    expect(plain).toMatchObject({ slug: 'dapp-dashboard', timezone: 'UTC', kind: 'web3' });
  });

  it('keeps slugs unique within an organisation only', async () => {
    const team = await make.team();
    const other = await make.org(team.outsider);
    const input = { name: 'Storefront', kind: 'web2' as const };
    const first = await send(TenancySubjects.createProject, {
      actor: team.admin.actor,
      orgId: team.org.id,
      ...input,
    });
    const second = await send(TenancySubjects.createProject, {
      actor: team.admin.actor,
      orgId: team.org.id,
      ...input,
    });
    const elsewhere = await send(TenancySubjects.createProject, {
      actor: team.outsider.actor,
      orgId: other.id,
      ...input,
    });
    expect([first.slug, second.slug, elsewhere.slug]).toEqual(['storefront', 'storefront-2', 'storefront']);

    const taken = await busError(
      send(TenancySubjects.createProject, {
        actor: team.admin.actor,
        orgId: team.org.id,
        ...input,
        slug: 'storefront',
      }),
    );
    expect(taken.code).toBe(BusErrorCode.Conflict);
  });

  it.each([['Mars/Olympus_Mons'], ['+01:00'], ['UTC+1'], ['']])(
    'refuses the time zone %j',
    async (timezone) => {
      const team = await make.team();
      const error = await busError(
        send(TenancySubjects.createProject, {
          actor: team.admin.actor,
          orgId: team.org.id,
          name: 'Clock',
          kind: 'web2',
          timezone,
        }),
      );
      expect(error.code).toBe(BusErrorCode.ValidationFailed);
      expect(error.extra.errors?.map((e) => e.field)).toEqual(['timezone']);
    },
  );

  it('refuses an unknown kind, naming the field', async () => {
    const team = await make.team();
    const error = await busError(
      send(TenancySubjects.createProject, {
        actor: team.admin.actor,
        orgId: team.org.id,
        name: 'Kind',
        kind: 'web4',
      } as never),
    );
    expect(error.extra.errors?.map((e) => e.field)).toEqual(['kind']);
  });
});

describe('reading and changing projects', () => {
  it('lists the organisation projects page by page', async () => {
    const team = await make.team();
    const created = [
      await make.project(team.admin, team.org.id),
      await make.project(team.admin, team.org.id),
      await make.project(team.admin, team.org.id),
    ];
    await make.project(team.outsider, (await make.org(team.outsider)).id);

    const first = await send(TenancySubjects.listProjects, {
      actor: team.viewer.actor,
      orgId: team.org.id,
      limit: 2,
    });
    const second = await send(TenancySubjects.listProjects, {
      actor: team.viewer.actor,
      orgId: team.org.id,
      limit: 2,
      cursor: first.nextCursor ?? undefined,
    });
    expect([...first.items, ...second.items]).toEqual(created);
    expect(second.nextCursor).toBeNull();
  });

  it('changes name, slug, kind and time zone', async () => {
    const team = await make.team();
    const project = await make.project(team.admin, team.org.id);
    const slug = uniqueSlug('renamed');
    const updated = await send(TenancySubjects.updateProject, {
      actor: team.admin.actor,
      projectId: project.id,
      name: 'Renamed',
      slug,
      kind: 'web3',
      timezone: 'America/New_York',
    });
    expect(updated).toEqual({
      ...project,
      name: 'Renamed',
      slug,
      kind: 'web3',
      timezone: 'America/New_York',
    });
    expect(
      await send(TenancySubjects.getProject, { actor: team.viewer.actor, projectId: project.id }),
    ).toEqual(updated);
  });
});

describe('deleting projects', () => {
  it('deletes the project and stores a durable tenancy.project.deleted event', async () => {
    const team = await make.team();
    const project = await make.project(team.admin, team.org.id);
    const since = new Date(Date.now() - 1000);

    expect(
      await send(TenancySubjects.deleteProject, { actor: team.admin.actor, projectId: project.id }),
    ).toEqual({
      deleted: true,
    });

    const event = await storedProjectDeletion(project.id, since);
    expect(event).toEqual({ projectId: project.id, orgId: team.org.id, deletedAt: expect.any(String) });
    const gone = await busError(
      send(TenancySubjects.getProject, { actor: team.owner.actor, projectId: project.id }),
    );
    expect(gone.code).toBe(BusErrorCode.NotFound);
    const list = await send(TenancySubjects.listProjects, { actor: team.owner.actor, orgId: team.org.id });
    expect(list.items.map((p) => p.id)).not.toContain(project.id);
    const twice = await busError(
      send(TenancySubjects.deleteProject, { actor: team.admin.actor, projectId: project.id }),
    );
    expect(twice.code).toBe(BusErrorCode.NotFound);
  });
});
