import {
  EVENTS_DLQ_STREAM,
  EVENTS_DLQ_SUBJECT_PREFIX,
  EVENTS_DUPLICATE_WINDOW_MS,
  EVENTS_STREAM,
  EVENTS_SUBJECT_PREFIX,
} from '@northstar/contracts';
import {
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from 'nats';

const HOUR_MS = 3600 * 1000;
const GIB = 1024 ** 3;
const nanos = (ms: number): number => ms * 1e6;

export interface EventStreamSettings {
  /** How long EVENTS keeps a message, consumed or not (at least the 24 h duplicate window). */
  maxAgeMs: number;
  /**
   * The most EVENTS may hold, beyond which the oldest messages go; -1 leaves the bound to the NATS
   * server's JetStream storage limit (a stream's max_bytes is reserved on the server up front).
   */
  maxBytes: number;
  /** JetStream replicas of both streams (3 on a NATS cluster). */
  replicas: number;
  /** How long dead letters are kept for inspection and replay. */
  deadLetterMaxAgeMs: number;
  deadLetterMaxBytes: number;
}

/**
 * EVENTS keeps a week: enough backlog to ride out a long ingestion or ClickHouse outage and to replay
 * a botched write. A message can only be lost if ingestion falls further behind than the limits allow
 * (ingestion's backlog gauge says how far behind it is).
 */
export const DEFAULT_EVENT_STREAM_SETTINGS: EventStreamSettings = {
  maxAgeMs: 7 * 24 * HOUR_MS,
  maxBytes: -1,
  replicas: 1,
  deadLetterMaxAgeMs: 30 * 24 * HOUR_MS,
  deadLetterMaxBytes: GIB,
};

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
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
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

/**
 * Creates the EVENTS and EVENTS_DLQ streams if they are missing. The gateway and ingestion both call
 * it at start, so either may come up first. With `update`, an existing stream also takes the given
 * limits: ingestion's migrate step does that, so the stream's limits follow its configuration.
 */
export async function ensureEventStreams(
  jsm: JetStreamManager,
  settings: EventStreamSettings = DEFAULT_EVENT_STREAM_SETTINGS,
  options: { update?: boolean } = {},
): Promise<void> {
  for (const config of eventStreamConfigs(settings)) {
    const name = config.name as string;
    const existing = await streamInfo(jsm, name);
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
}

async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | null> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (/stream not found/i.test(String(error))) return null;
    throw error;
  }
}
