import {
  EVENTS_DLQ_STREAM,
  EVENTS_DLQ_SUBJECT_PREFIX,
  EVENTS_DUPLICATE_WINDOW_MS,
  EVENTS_STREAM,
  EVENTS_SUBJECT_PREFIX,
} from '@northstar/contracts';
import { ensureDurableConsumer, type DurableConsumerSettings } from '@northstar/messaging';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerInfo,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from 'nats';

const HOUR_MS = 3600 * 1000;
const GIB = 1024 ** 3;
const nanos = (ms: number): number => ms * 1e6;

/** The durable consumer of EVENTS that every ingestion replica shares. */
export const INGESTION_CONSUMER = 'ingestion';
/** How long a message taken by ingestion may go without an ack or a progress report before it comes again. */
export const INGESTION_ACK_WAIT_MS = 30_000;

export interface EventStreamSettings {
  /**
   * How long EVENTS keeps a message that ingestion has not written (at least the 24 h duplicate
   * window): older ones are dropped, so an ingestion outage longer than this loses events.
   */
  maxAgeMs: number;
  /**
   * The most EVENTS may hold of events not yet written (it keeps only those). When full it refuses new
   * messages, and the gateway answers 503: what was accepted is never pushed out. Reserved on the
   * NATS server's JetStream storage up front.
   */
  maxBytes: number;
  /** JetStream replicas of both streams (NATS_STREAM_REPLICAS: 3 on a three-node NATS cluster). */
  replicas: number;
  /** How long dead letters are kept for inspection and replay. */
  deadLetterMaxAgeMs: number;
  deadLetterMaxBytes: number;
}

/**
 * EVENTS is a buffer in front of ingestion, not an archive: ingestion purges what it has acknowledged
 * (`purgeWritten`). Up to a week or 1 GiB of events not yet written (a million or more): enough to
 * ride out a long ingestion or ClickHouse outage, after which the gateway refuses events (503) rather
 * than drop any it accepted.
 */
export const DEFAULT_EVENT_STREAM_SETTINGS: EventStreamSettings = {
  maxAgeMs: 7 * 24 * HOUR_MS,
  maxBytes: GIB,
  replicas: 1,
  deadLetterMaxAgeMs: 30 * 24 * HOUR_MS,
  deadLetterMaxBytes: GIB,
};

/** The settings from an app's config (WithEventStream of @northstar/config). */
export function eventStreamSettingsFrom(config: {
  EVENTS_STREAM_MAX_AGE_HOURS: number;
  EVENTS_STREAM_MAX_BYTES: number;
  NATS_STREAM_REPLICAS: number;
}): EventStreamSettings {
  return {
    ...DEFAULT_EVENT_STREAM_SETTINGS,
    maxAgeMs: config.EVENTS_STREAM_MAX_AGE_HOURS * HOUR_MS,
    maxBytes: config.EVENTS_STREAM_MAX_BYTES,
    replicas: config.NATS_STREAM_REPLICAS,
  };
}

export function eventStreamConfigs(
  settings: EventStreamSettings,
): [Partial<StreamConfig>, Partial<StreamConfig>] {
  if (settings.maxAgeMs < EVENTS_DUPLICATE_WINDOW_MS) {
    // JetStream refuses a duplicate window longer than the stream's max age.
    throw new RangeError(
      `The EVENTS stream must keep messages at least ${EVENTS_DUPLICATE_WINDOW_MS / HOUR_MS} h`,
    );
  }
  return [
    {
      name: EVENTS_STREAM,
      description: 'Ingested SDK events, consumed by ingestion into ClickHouse',
      subjects: [`${EVENTS_SUBJECT_PREFIX}.>`],
      storage: StorageType.File,
      // Limits, not interest retention: an interest stream drops a message stored while it knows of no
      // consumer, as while a restarted NATS server has recovered the stream but not yet its consumers,
      // after acknowledging it to the gateway. Written messages go by `purgeWritten` instead; when
      // the stream is full it refuses new ones rather than push out old ones (discard new).
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.New,
      max_age: nanos(settings.maxAgeMs),
      max_bytes: settings.maxBytes,
      num_replicas: settings.replicas,
      duplicate_window: nanos(EVENTS_DUPLICATE_WINDOW_MS),
    },
    {
      name: EVENTS_DLQ_STREAM,
      description: 'Events ingestion could not write, with the reason in their headers',
      subjects: [`${EVENTS_DLQ_SUBJECT_PREFIX}.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(settings.deadLetterMaxAgeMs),
      max_bytes: settings.deadLetterMaxBytes,
      num_replicas: settings.replicas,
      duplicate_window: nanos(2 * 60 * 1000),
    },
  ];
}

/** The ingestion consumer as the gateway may create it; ingestion sets its own tunables. */
export const INGESTION_CONSUMER_CONFIG: DurableConsumerSettings = {
  durable_name: INGESTION_CONSUMER,
  filter_subject: `${EVENTS_SUBJECT_PREFIX}.>`,
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.All,
  ack_wait: nanos(INGESTION_ACK_WAIT_MS),
  // Unlimited: ingestion counts deliveries itself and dead-letters, rather than JetStream silently
  // giving up on a message.
  max_deliver: -1,
};

/** What `ensureEventStreams` did about an EVENTS stream made by an older version (limits retention). */
export type EventStreamMigration = 'none' | 'recreated' | 'waiting-for-backlog';

/**
 * Creates the EVENTS and EVENTS_DLQ streams and the ingestion consumer if they are missing (the
 * consumer also takes INGESTION_CONSUMER_CONFIG's settings if it has others). The gateway and
 * ingestion both call it at start, so either may come up first. With `update`, an existing stream
 * also takes the given limits: ingestion's migrate step does that, so the stream's limits follow its
 * configuration. An EVENTS of another retention (interest, made by an earlier
 * version; JetStream cannot change a stream's retention) is made anew by `update` once ingestion has
 * written all it holds, and left as it is until then ('waiting-for-backlog').
 */
export async function ensureEventStreams(
  jsm: JetStreamManager,
  settings: EventStreamSettings = DEFAULT_EVENT_STREAM_SETTINGS,
  options: { update?: boolean } = {},
): Promise<EventStreamMigration> {
  let migration: EventStreamMigration = 'none';
  for (const config of eventStreamConfigs(settings)) {
    const name = config.name as string;
    let existing = await streamInfo(jsm, name);
    if (existing && options.update && existing.config.retention !== config.retention) {
      if (await drained(jsm, existing)) {
        await jsm.streams.delete(name);
        existing = null;
        migration = 'recreated';
      } else {
        migration = 'waiting-for-backlog';
        continue;
      }
    }
    if (!existing) {
      try {
        await jsm.streams.add(config);
      } catch (error) {
        // Another process created it in between.
        if (!/already in use/i.test(String(error))) throw error;
      }
    } else if (options.update) {
      await jsm.streams.update(name, { ...existing.config, ...config });
    }
  }
  await ensureDurableConsumer(jsm, EVENTS_STREAM, INGESTION_CONSUMER_CONFIG);
  return migration;
}

/**
 * Removes from EVENTS every message up to the ingestion consumer's ack floor (all of them written),
 * and answers the new floor. Duplicate detection keeps its ids for the whole window regardless.
 * `consumer`: the consumer's info when the caller has just read it, saving a request.
 */
export async function purgeWritten(
  jsm: JetStreamManager,
  below: number,
  consumer?: ConsumerInfo,
): Promise<number> {
  const info = consumer ?? (await jsm.consumers.info(EVENTS_STREAM, INGESTION_CONSUMER));
  const floor = info.ack_floor.stream_seq;
  if (floor > below) await jsm.streams.purge(EVENTS_STREAM, { seq: floor + 1 });
  return Math.max(floor, below);
}

/** Whether ingestion has written every message of the stream (or there is nothing to write). */
async function drained(jsm: JetStreamManager, stream: StreamInfo): Promise<boolean> {
  if (stream.state.messages === 0) return true;
  try {
    const consumer = await jsm.consumers.info(stream.config.name, INGESTION_CONSUMER);
    return consumer.num_pending === 0 && consumer.num_ack_pending === 0;
  } catch {
    return false;
  }
}

async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | null> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (/stream not found/i.test(String(error))) return null;
    throw error;
  }
}
