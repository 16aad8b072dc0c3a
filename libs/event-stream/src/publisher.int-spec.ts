import {
  eventBatchMessageId,
  EVENTS_DLQ_STREAM,
  EVENTS_STREAM,
  eventsSubject,
  type EventEnvelope,
} from '@northstar/contracts';
import { decodeEventMessage, intakeBatch } from '@northstar/event-intake';
import { randomUUID } from 'node:crypto';
import {
  connect,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
} from 'nats';
import { EventPublishError, EventStreamPublisher } from './publisher';
import {
  DEFAULT_EVENT_STREAM_SETTINGS,
  ensureEventStreams,
  eventStreamConfigs,
  INGESTION_CONSUMER,
  INGESTION_CONSUMER_CONFIG,
  purgeWritten,
} from './streams';

// Against the real JetStream (NATS_URL, a private server per test run).
const NATS_URL = process.env['NATS_URL'] || 'nats://127.0.0.1:4222';

let connection: NatsConnection;
let jsm: JetStreamManager;
let publisher: EventStreamPublisher;

beforeAll(async () => {
  connection = await connect({ servers: NATS_URL.split(','), maxReconnectAttempts: 0 });
  jsm = await connection.jetstreamManager();
  publisher = await EventStreamPublisher.connect(connection);
});

afterAll(async () => {
  if (connection && !connection.isClosed()) await connection.drain();
});

function envelopes(projectId: string, events: Array<Record<string, unknown>>): EventEnvelope[] {
  const { accepted, rejected } = intakeBatch({ batch: events }, { projectId, receivedAt: new Date() });
  expect(rejected).toEqual([]);
  return accepted;
}

const track = (messageId?: string) => ({
  type: 'track',
  event: 'Clicked',
  userId: 'u-1',
  ...(messageId ? { messageId } : {}),
});

/** The messages EVENTS holds on the project's subject, oldest first. */
async function messages(projectId: string): Promise<JsMsg[]> {
  const subject = eventsSubject(projectId);
  const info = await jsm.streams.info(EVENTS_STREAM, { subjects_filter: subject });
  const count = info.state.subjects?.[subject] ?? 0;
  const out: JsMsg[] = [];
  if (count === 0) return out;
  const consumer = await connection.jetstream().consumers.get(EVENTS_STREAM, { filterSubjects: subject });
  const batch = await consumer.fetch({ max_messages: count, expires: 2000 });
  for await (const message of batch) {
    out.push(message);
    if (out.length === count) break;
  }
  return out;
}

/** The events EVENTS holds for the project, oldest first, as ingestion reads them. */
async function stored(projectId: string): Promise<EventEnvelope[]> {
  return (await messages(projectId)).flatMap((message) => {
    const decoded = decodeEventMessage(message.data);
    if ('errors' in decoded) throw new Error(`not a message of events: ${JSON.stringify(decoded.errors)}`);
    return decoded.events.map((event) => ('envelope' in event ? event.envelope : null));
  }) as EventEnvelope[];
}

describe('ensureEventStreams', () => {
  it('creates EVENTS, EVENTS_DLQ and the ingestion consumer as the design needs them, and is idempotent', async () => {
    await ensureEventStreams(jsm);
    await ensureEventStreams(jsm);
    const events = (await jsm.streams.info(EVENTS_STREAM)).config;
    // A buffer of what ingestion has not written, bounded, refusing new events rather than dropping old.
    expect(events).toMatchObject({
      subjects: ['events.>'],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.New,
      max_bytes: 1024 ** 3,
      duplicate_window: 24 * 3600 * 1e9,
      max_age: 7 * 24 * 3600 * 1e9,
    });
    expect((await jsm.consumers.info(EVENTS_STREAM, INGESTION_CONSUMER)).config).toMatchObject({
      durable_name: 'ingestion',
      filter_subject: 'events.>',
    });
    expect((await jsm.streams.info(EVENTS_DLQ_STREAM)).config).toMatchObject({
      subjects: ['events_dlq.>'],
      storage: StorageType.File,
    });
  });

  it('applies changed limits to an existing stream only when asked to update', async () => {
    const longer = { ...DEFAULT_EVENT_STREAM_SETTINGS, maxAgeMs: DEFAULT_EVENT_STREAM_SETTINGS.maxAgeMs * 2 };
    try {
      await ensureEventStreams(jsm, longer);
      expect((await jsm.streams.info(EVENTS_STREAM)).config.max_age).toBe(
        DEFAULT_EVENT_STREAM_SETTINGS.maxAgeMs * 1e6,
      );
      await ensureEventStreams(jsm, longer, { update: true });
      expect((await jsm.streams.info(EVENTS_STREAM)).config.max_age).toBe(longer.maxAgeMs * 1e6);
    } finally {
      await ensureEventStreams(jsm, DEFAULT_EVENT_STREAM_SETTINGS, { update: true });
    }
  });

  it('makes an interest-retention EVENTS of an earlier version anew, only once ingestion has written it all', async () => {
    const [current] = eventStreamConfigs(DEFAULT_EVENT_STREAM_SETTINGS);
    await jsm.streams.delete(EVENTS_STREAM);
    try {
      await jsm.streams.add({ ...current, retention: RetentionPolicy.Interest });
      // An interest stream drops what no consumer wants: the consumer first.
      await jsm.consumers.add(EVENTS_STREAM, INGESTION_CONSUMER_CONFIG);
      const projectId = randomUUID();
      await publisher.publish(envelopes(projectId, [track('old-1')]));

      // One event not yet written: the stream is left as it is, event included.
      expect(await ensureEventStreams(jsm, DEFAULT_EVENT_STREAM_SETTINGS, { update: true })).toBe(
        'waiting-for-backlog',
      );
      expect((await jsm.streams.info(EVENTS_STREAM)).config.retention).toBe(RetentionPolicy.Interest);
      expect(await stored(projectId)).toHaveLength(1);

      const consumer = await connection.jetstream().consumers.get(EVENTS_STREAM, INGESTION_CONSUMER);
      for await (const message of await consumer.fetch({ max_messages: 1, expires: 2000 }))
        await message.ackAck();
      expect(await ensureEventStreams(jsm, DEFAULT_EVENT_STREAM_SETTINGS, { update: true })).toBe(
        'recreated',
      );
      expect((await jsm.streams.info(EVENTS_STREAM)).config).toMatchObject({
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.New,
      });
      expect((await jsm.consumers.info(EVENTS_STREAM, INGESTION_CONSUMER)).num_pending).toBe(0);
    } finally {
      await ensureEventStreams(jsm, DEFAULT_EVENT_STREAM_SETTINGS, { update: true });
    }
  });

  it('purges what ingestion acknowledged and keeps the rest; a purged event sent again is still a duplicate', async () => {
    await jsm.streams.delete(EVENTS_STREAM);
    try {
      await ensureEventStreams(jsm);
      const projectId = randomUUID();
      for (const id of ['p-1', 'p-2', 'p-3']) await publisher.publish(envelopes(projectId, [track(id)]));
      const consumer = await connection.jetstream().consumers.get(EVENTS_STREAM, INGESTION_CONSUMER);
      for await (const message of await consumer.fetch({ max_messages: 2, expires: 2000 }))
        await message.ackAck();

      expect(await purgeWritten(jsm, 0)).toBe(2);
      expect((await stored(projectId)).map((e) => e.messageId)).toEqual(['p-3']);
      expect(await publisher.publish(envelopes(projectId, [track('p-1')]))).toEqual({
        stored: 0,
        duplicates: 1,
      });
      // Nothing new acknowledged: nothing more purged.
      expect(await purgeWritten(jsm, 2)).toBe(2);
      expect(await stored(projectId)).toHaveLength(1);
    } finally {
      await ensureEventStreams(jsm, DEFAULT_EVENT_STREAM_SETTINGS, { update: true });
    }
  });

  it('refuses new events when full (the error says so), and keeps every event it acknowledged', async () => {
    const projectId = randomUUID();
    const before = await jsm.streams.info(EVENTS_STREAM);
    // Room for a few batches beyond what the stream holds now.
    await jsm.streams.update(EVENTS_STREAM, { ...before.config, max_bytes: before.state.bytes + 200 * 1024 });
    try {
      let acknowledged = 0;
      let refusal: unknown = null;
      for (let i = 0; i < 50 && !refusal; i++) {
        const batch = envelopes(
          projectId,
          Array.from({ length: 100 }, (_, n) => ({
            ...track(`full-${i}-${n}`),
            properties: { pad: 'x'.repeat(200) },
          })),
        );
        refusal = await publisher.publish(batch).then(
          (result) => {
            acknowledged += result.stored;
            return null;
          },
          (error: unknown) => error,
        );
      }
      expect(refusal).toBeInstanceOf(EventPublishError);
      expect(refusal).toMatchObject({ streamFull: true });
      expect(acknowledged).toBeGreaterThan(0);
      expect(await stored(projectId)).toHaveLength(acknowledged);
      // Nothing pushed out to make room: every message there before is there still (one per batch here).
      expect((await jsm.streams.info(EVENTS_STREAM)).state.messages).toBe(
        before.state.messages + acknowledged / 100,
      );
    } finally {
      await ensureEventStreams(jsm, DEFAULT_EVENT_STREAM_SETTINGS, { update: true });
    }
  });

  it('refuses a max age shorter than the duplicate window', async () => {
    await expect(
      ensureEventStreams(jsm, { ...DEFAULT_EVENT_STREAM_SETTINGS, maxAgeMs: 3600_000 }),
    ).rejects.toThrow(RangeError);
  });
});

describe('EventStreamPublisher', () => {
  it('resolves once every event of a batch is stored, on the project subject', async () => {
    const projectId = randomUUID();
    const batch = envelopes(
      projectId,
      Array.from({ length: 300 }, (_, i) => track(`m-${i}`)),
    );
    expect(await publisher.publish(batch)).toEqual({ stored: 300, duplicates: 0 });
    const onStream = await stored(projectId);
    expect(onStream).toHaveLength(300);
    expect(new Set(onStream.map((e) => e.messageId))).toEqual(new Set(batch.map((e) => e.messageId)));
    expect(onStream.find((e) => e.messageId === 'm-7')).toEqual(batch.find((e) => e.messageId === 'm-7'));
  });

  it('stores the same messageId once within the window, even with a new event id', async () => {
    const projectId = randomUUID();
    const [first] = envelopes(projectId, [track('dup-1')]);
    const [again] = envelopes(projectId, [track('dup-1')]);
    expect(again.eventId).not.toBe(first.eventId);

    expect(await publisher.publish([first])).toEqual({ stored: 1, duplicates: 0 });
    expect(await publisher.publish([again])).toEqual({ stored: 0, duplicates: 1 });
    // Inside one batch too, as an SDK that queued an event twice would send it.
    const [third, fourth] = envelopes(projectId, [track('dup-2'), track('dup-2')]);
    expect(await publisher.publish([third, fourth])).toEqual({ stored: 1, duplicates: 1 });

    const onStream = await stored(projectId);
    expect(onStream.map((e) => e.messageId).sort()).toEqual(['dup-1', 'dup-2']);
    expect(onStream.find((e) => e.messageId === 'dup-1')?.eventId).toBe(first.eventId);
  });

  it('keeps the same messageId of two projects apart', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await publisher.publish([...envelopes(a, [track('shared')]), ...envelopes(b, [track('shared')])]);
    expect(await stored(a)).toHaveLength(1);
    expect(await stored(b)).toHaveLength(1);
  });

  it("sends a request's events as one message, which a retry of the same batch does not store again", async () => {
    const projectId = randomUUID();
    const batch = envelopes(
      projectId,
      Array.from({ length: 100 }, (_, i) => track(`b-${i}`)),
    );
    expect(await publisher.publish(batch)).toEqual({ stored: 100, duplicates: 0 });
    expect(await publisher.publish(batch)).toEqual({ stored: 0, duplicates: 100 });
    const [message, ...others] = await messages(projectId);
    expect(others).toEqual([]);
    expect(message.headers?.get('Nats-Msg-Id')).toBe(
      eventBatchMessageId(
        projectId,
        batch.map((e) => e.messageId),
      ),
    );
    expect(await stored(projectId)).toEqual(batch);

    // The same events batched otherwise are a new message: ClickHouse collapses them by eventId.
    expect(await publisher.publish(batch.slice(0, 50))).toEqual({ stored: 50, duplicates: 0 });
    // A lone event has its own id, so a single event and a batch of one deduplicate each other.
    expect(await publisher.publish(batch.slice(0, 1))).toEqual({ stored: 1, duplicates: 0 });
    expect(await publisher.publish(batch.slice(0, 1))).toEqual({ stored: 0, duplicates: 1 });
    const last = (await messages(projectId)).at(-1);
    expect(last?.headers?.get('Nats-Msg-Id')).toBe(`${projectId}:b-0`);
    expect(last?.json()).toEqual(batch[0]);
  });

  it("splits a batch where a message would pass the server's max_payload, the same way every time", async () => {
    const maxPayload = connection.info?.max_payload ?? 0;
    expect(maxPayload).toBe(1024 * 1024);
    const projectId = randomUUID();
    // 500 events of 1.8 KB of properties, each there and in the raw JSON: a request body under 1 MiB
    // makes about 2 MiB of envelopes.
    const big = Array.from({ length: 500 }, (_, i) => ({
      ...track(`big-${i}`),
      properties: { pad: 'x'.repeat(1800) },
    }));
    expect(JSON.stringify({ batch: big }).length).toBeLessThan(1024 * 1024);
    const batch = envelopes(projectId, big);
    expect(await publisher.publish(batch)).toEqual({ stored: 500, duplicates: 0 });
    expect(await publisher.publish(batch)).toEqual({ stored: 0, duplicates: 500 });
    const sent = await messages(projectId);
    expect(sent.length).toBeGreaterThan(1);
    for (const message of sent) expect(message.data.length).toBeLessThanOrEqual(maxPayload - 4096);
    expect((await stored(projectId)).map((e) => e.messageId)).toEqual(batch.map((e) => e.messageId));
  });

  it('fails the whole publish when JetStream does not acknowledge', async () => {
    const own = await connect({ servers: NATS_URL.split(','), maxReconnectAttempts: 0 });
    const doomed = new EventStreamPublisher(own.jetstream(), { ackTimeoutMs: 500 });
    await own.close();
    const batch = envelopes(randomUUID(), [track(), track()]);
    const error = await doomed.publish(batch).then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(EventPublishError);
    expect(error).toMatchObject({ failed: 2, total: 2, streamFull: false });
  });
});
