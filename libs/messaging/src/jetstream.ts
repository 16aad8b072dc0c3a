import type {
  ConsumerConfig,
  ConsumerInfo,
  ConsumerUpdateConfig,
  JetStreamManager,
  StreamConfig,
  StreamInfo,
} from 'nats';

/** A durable consumer's settings: its name and those it is created with. */
export type DurableConsumerSettings = Partial<ConsumerConfig> & { durable_name: string };

// What JetStream lets an existing consumer change; the others (ack and deliver policy, ...) are fixed
// when it is created.
const UPDATABLE: readonly (keyof ConsumerUpdateConfig)[] = [
  'description',
  'ack_wait',
  'max_deliver',
  'sample_freq',
  'max_ack_pending',
  'max_waiting',
  'headers_only',
  'max_batch',
  'max_expires',
  'inactive_threshold',
  'backoff',
  'max_bytes',
  'num_replicas',
  'mem_storage',
  'filter_subject',
  'filter_subjects',
  'metadata',
];

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Makes sure the durable pull consumer `settings.durable_name` of `stream` exists with `settings`:
 * creates it when missing (replicas starting together may both try: the same creation twice is
 * fine), and when it exists, updates the settings that differ, so a consumer created by an older
 * release, or with other tunables, takes the current ones. Settings not given are left as they are.
 */
export async function ensureDurableConsumer(
  jsm: JetStreamManager,
  stream: string,
  settings: DurableConsumerSettings,
): Promise<ConsumerInfo> {
  let existing: ConsumerInfo;
  try {
    existing = await jsm.consumers.info(stream, settings.durable_name);
  } catch (error) {
    if (!/consumer not found/i.test(String(error))) throw error;
    try {
      return await jsm.consumers.add(stream, settings);
    } catch (addError) {
      // Another process created it in between, with other settings: updated below.
      if (!/already (exists|in use)/i.test(String(addError))) throw addError;
      existing = await jsm.consumers.info(stream, settings.durable_name);
    }
  }
  const changes: Partial<ConsumerUpdateConfig> = {};
  for (const key of UPDATABLE) {
    if (key in settings && !same(settings[key], existing.config[key])) {
      Object.assign(changes, { [key]: settings[key] });
    }
  }
  if (Object.keys(changes).length === 0) return existing;
  return jsm.consumers.update(stream, settings.durable_name, changes);
}

/**
 * Creates the stream unless it exists; concurrent creations by several processes are fine. With
 * `update` (a migrate step, by the stream's manager), an existing stream also takes the settings of
 * `config` that differ, its replicas among them: JetStream moves a stream from 1 to 3 replicas (or
 * back) in place on a cluster (a single server records the number and keeps one copy).
 */
export async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig>,
  options: { update?: boolean } = {},
): Promise<void> {
  const name = config.name as string;
  let existing: StreamInfo;
  try {
    existing = await jsm.streams.info(name);
  } catch (error) {
    if (!/stream not found/i.test(String(error))) throw error;
    try {
      await jsm.streams.add(config);
    } catch (addError) {
      if (!/already in use/i.test(String(addError))) throw addError;
    }
    return;
  }
  if (!options.update) return;
  const current = existing.config as unknown as Record<string, unknown>;
  const changed = Object.entries(config).some(([key, value]) => !same(value, current[key]));
  if (changed) await jsm.streams.update(name, { ...existing.config, ...config });
}
