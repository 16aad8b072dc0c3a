import { createHash } from 'node:crypto';
import { intakeBatch, intakeEvent, stableEventId, type IntakeOptions } from './intake';

const receivedAt = new Date('2026-11-22T10:00:10.000Z');
const options: IntakeOptions = { projectId: 'proj-1', receivedAt };
const track = (overrides: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Signed Up',
  userId: 'user-1',
  ...overrides,
});

/** RFC 9562's version 5 UUID, computed the textbook way, to check the fast one against. */
function uuidV5(namespaceHex: string, name: string): string {
  const digest = createHash('sha1').update(Buffer.from(namespaceHex, 'hex')).update(name).digest();
  digest[6] = (digest[6] & 0x0f) | 0x50;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  const hex = digest.toString('hex', 0, 16);
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
}

describe('stableEventId', () => {
  it('is the version-5 UUID of <projectId>:<messageId> in the Northstar events namespace', () => {
    const namespace = Buffer.from('northstar-events').toString('hex');
    for (const messageId of ['m-1', 'ajs-next-1732269600000-4f1c', 'ü 😀 ', 'x'.repeat(200)]) {
      expect(stableEventId('proj-1', messageId)).toBe(uuidV5(namespace, `proj-1:${messageId}`));
    }
    expect(stableEventId('proj-1', 'm-1')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('differs between projects and between messageIds', () => {
    const ids = new Set([
      stableEventId('a', 'm'),
      stableEventId('b', 'm'),
      stableEventId('a', 'n'),
      stableEventId('a:m', ''),
    ]);
    expect(ids.size).toBe(4);
  });
});

describe("intake with eventIds 'fromMessageId'", () => {
  const stable: IntakeOptions = { ...options, eventIds: 'fromMessageId' };

  it('gives every copy of an event the same eventId, in any request, and a new one without messageId', () => {
    const [a] = intakeBatch({ batch: [track({ messageId: 'm-1' })] }, stable).accepted;
    const [, b] = intakeBatch(
      { batch: [track({ messageId: 'm-0' }), track({ messageId: 'm-1' })] },
      stable,
    ).accepted;
    const [c] = intakeEvent(track({ messageId: 'm-1' }), { ...stable, receivedAt: new Date() }).accepted;
    expect(a.eventId).toBe(stableEventId('proj-1', 'm-1'));
    expect([b.eventId, c.eventId]).toEqual([a.eventId, a.eventId]);
    const [x, y] = intakeBatch({ batch: [track(), track()] }, stable).accepted;
    expect(x.eventId).toBe(stableEventId('proj-1', x.messageId));
    expect(x.eventId).not.toBe(y.eventId);
  });
});

describe('times', () => {
  const only = (event: Record<string, unknown>) => intakeEvent(event, options).accepted[0];

  it('normalizes client times to toISOString form, rolling over days a month does not have', () => {
    const cases: Array<[string, string]> = [
      ['2026-11-22T09:00:00.000Z', '2026-11-22T09:00:00.000Z'],
      ['2026-11-22T09:00:00Z', '2026-11-22T09:00:00.000Z'],
      ['2026-11-22T10:00:00.000+01:00', '2026-11-22T09:00:00.000Z'],
      ['2026-02-30T10:00:00.000Z', '2026-03-02T10:00:00.000Z'],
      ['2026-04-31T23:00:00.000Z', '2026-05-01T23:00:00.000Z'],
      ['2026-01-31T24:00:00.000Z', '2026-02-01T00:00:00.000Z'],
    ];
    for (const [sent, stored] of cases) {
      const envelope = only(track({ timestamp: sent }));
      expect({ sent, clientTimestamp: envelope.clientTimestamp, timestamp: envelope.timestamp }).toEqual({
        sent,
        clientTimestamp: stored,
        timestamp: stored,
      });
    }
    const skewed = only(track({ timestamp: '2026-02-29T10:00:00.000Z', sentAt: '2026-02-29T10:00:10.000Z' }));
    expect(skewed).toMatchObject({
      clientTimestamp: '2026-03-01T10:00:00.000Z',
      sentAt: '2026-03-01T10:00:10.000Z',
      timestamp: '2026-11-22T10:00:00.000Z',
    });
  });
});
