import { Injectable } from '@nestjs/common';
import type { EventEnvelope, ProjectDeletedEvent } from '@northstar/contracts';
import { Enricher } from '../enrichment/enricher';
import { SessionTracker } from '../session/session-tracker';
import { visitorKey } from '../session/session-rules';
import { toEventRow } from './event-row';
import { EventStoreRepository, type UnwritableRow } from './event-store.repository';

export interface WriteOutcome {
  /** Indexes of events of deleted projects: not written, to be acknowledged. */
  dropped: number[];
  /** Events ClickHouse refuses as data: for the dead-letter subject. Every other event is written. */
  unwritable: UnwritableRow[];
}

// How stale the list of deleted projects may get on a replica that did not handle the deletion.
const DELETED_PROJECTS_REFRESH_MS = 30_000;

/** The event store's rules: enrich, sessionize and write batches; forget deleted projects. */
@Injectable()
export class EventStoreService {
  private deleted = new Set<string>();
  private deletedLoadedAt = 0;

  constructor(
    private readonly repository: EventStoreRepository,
    private readonly sessions: SessionTracker,
    private readonly enricher: Enricher,
  ) {}

  /** Writes a batch; throws when ClickHouse cannot take it now (the caller retries the same batch). */
  async write(envelopes: readonly EventEnvelope[]): Promise<WriteOutcome> {
    await this.refreshDeletedProjects();
    const dropped: number[] = [];
    const kept: number[] = [];
    envelopes.forEach((envelope, index) =>
      (this.deleted.has(envelope.projectId) ? dropped : kept).push(index),
    );

    const needSession = kept.filter((index) => !envelopes[index].context.sessionId);
    const assigned = await this.sessions.assign(
      needSession.map((index) => {
        const envelope = envelopes[index];
        return {
          visitor: visitorKey(envelope.projectId, envelope.anonymousId, envelope.userId),
          atMs: Date.parse(envelope.timestamp),
        };
      }),
    );
    const sessionOf = new Map(needSession.map((index, i) => [index, assigned[i]]));

    const rows = kept.map((index) => {
      const envelope = envelopes[index];
      const own = envelope.context.sessionId;
      const sessionId = own !== undefined ? String(own) : (sessionOf.get(index) ?? '');
      return toEventRow(envelope, this.enricher.enrich(envelope, sessionId));
    });
    const unwritable = (await this.repository.insert(rows)).map((row) => ({
      ...row,
      index: kept[row.index],
    }));
    return { dropped, unwritable };
  }

  /** A deleted project's events go, and later ones are dropped. Idempotent: the event may come again. */
  async forgetProject(event: ProjectDeletedEvent): Promise<void> {
    this.deleted.add(event.projectId);
    await this.repository.deleteProject(event.projectId, new Date(event.deletedAt));
  }

  /** The deleted projects as last loaded (at most DELETED_PROJECTS_REFRESH_MS old): custom metrics drop theirs too. */
  async deletedProjects(): Promise<ReadonlySet<string>> {
    await this.refreshDeletedProjects();
    return this.deleted;
  }

  private async refreshDeletedProjects(): Promise<void> {
    if (Date.now() - this.deletedLoadedAt < DELETED_PROJECTS_REFRESH_MS) return;
    const loaded = await this.repository.deletedProjects();
    this.deleted = new Set([...loaded, ...this.deleted]);
    this.deletedLoadedAt = Date.now();
  }
}
