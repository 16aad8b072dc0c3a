import { EVENTS_DLQ_STREAM, EVENTS_STREAM, eventsSubject, type EventEnvelope } from '@northstar/contracts';
import { intakeBatch } from '@northstar/event-intake';
import { randomUUID } from 'node:crypto';
import {
  connect,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type NatsConnection,
} from 'nats';
import { EventPublishError, EventStreamPublisher } from './publisher';
import { DEFAULT_EVENT_STREAM_SETTINGS, ensureEventStreams } from './streams';

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

/** What EVENTS holds on the project's subject, oldest first. */
async function stored(projectId: string): Promise<EventEnvelope[]> {
  const subject = eventsSubject(projectId);
  const info = await jsm.streams.info(EVENTS_STREAM, { subjects_filter: subject });
  const count = info.state.subjects?.[subject] ?? 0;
  const out: EventEnvelope[] = [];
  if (count === 0) return out;
  const consumer = await connection.jetstream().consumers.get(EVENTS_STREAM, { filterSubjects: subject });
  const batch = await consumer.fetch({ max_messages: count, expires: 2000 });
  for await (const message of batch) {
    out.push(message.json<EventEnvelope>());
    if (out.length === count) break;
  }
  return out;
}

describe('ensureEventStreams', () => {
  it('creates EVENTS and EVENTS_DLQ as the design needs them, and is idempotent', async () => {
    await ensureEventStreams(jsm);
    await ensureEventStreams(jsm);
    const events = (await jsm.streams.info(EVENTS_STREAM)).config;
    expect(events).toMatchObject({
      subjects: ['events.>'],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      duplicate_window: 24 * 3600 * 1e9,
      max_age: 7 * 24 * 3600 * 1e9,
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
    expect(error).toMatchObject({ failed: 2, total: 2 });
  });
});
