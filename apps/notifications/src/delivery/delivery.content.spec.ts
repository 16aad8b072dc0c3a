import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import {
  alertEmail,
  notificationSummary,
  notificationTitle,
  standardWebhooksKey,
  standardWebhooksSignature,
  webhookBody,
  webhookPayload,
  webhookSignature,
  type NotificationContent,
} from './delivery.content';

const content: NotificationContent = {
  kind: 'firing',
  projectId: '6a1f1c52-8a3f-4d3e-9d2b-2f5c1e0b7a10',
  alert: {
    id: '0b8e2c1a-5f43-4c7e-8a9d-1e2f3a4b5c6d',
    name: 'Checkout errors',
    metric: 'events',
    comparator: 'gte',
    threshold: 100,
    windowSeconds: 900,
    filter: { event: 'Checkout Failed', chainId: 1 },
  },
  value: 132.5,
  at: '2026-11-29T10:00:00.000Z',
};

describe('the webhook payload', () => {
  const payload = webhookPayload('d-1', content, 'https://app.northstar.test/');

  it('carries the alert, state, value, window and a link to the alert', () => {
    expect(payload).toEqual({
      id: 'd-1',
      type: 'alert.firing',
      alert: content.alert,
      state: 'firing',
      value: 132.5,
      window: { from: '2026-11-29T09:45:00.000Z', to: '2026-11-29T10:00:00.000Z' },
      at: '2026-11-29T10:00:00.000Z',
      projectId: content.projectId,
      link: `https://app.northstar.test/projects/${content.projectId}/alerts/${content.alert.id}`,
    });
  });

  it('is the same JSON every time it is built', () => {
    const again = webhookBody(webhookPayload('d-1', structuredClone(content), 'https://app.northstar.test/'));
    expect(webhookBody(payload)).toBe(again);
    expect(Object.keys(JSON.parse(again) as object)).toEqual([
      'id',
      'type',
      'alert',
      'state',
      'value',
      'window',
      'at',
      'projectId',
      'link',
    ]);
  });

  it('says test and resolved notifications apart', () => {
    expect(webhookPayload('d', { ...content, kind: 'test', value: null }, 'https://x.test')).toMatchObject({
      type: 'alert.test',
      state: 'test',
      value: null,
    });
    expect(webhookPayload('d', { ...content, kind: 'resolved' }, 'https://x.test').type).toBe(
      'alert.resolved',
    );
  });

  it('names a custom metric with its aggregation, after the metric', () => {
    const custom: NotificationContent = {
      ...content,
      alert: { ...content.alert, metric: 'custom:api.latency', aggregation: 'p95', filter: {} },
    };
    const alert = webhookPayload('d', custom, 'https://x.test').alert;
    expect(Object.keys(alert).slice(2, 5)).toEqual(['metric', 'aggregation', 'comparator']);
    expect(alert).toMatchObject({ metric: 'custom:api.latency', aggregation: 'p95' });
    expect(notificationSummary(custom)).toBe(
      'p95 of custom:api.latency = 132.5 (threshold ≥ 100) over the last 15 minutes',
    );
  });
});

describe('webhookSignature', () => {
  it('is the hex HMAC-SHA256 of the raw body with the secret', () => {
    // Reference values from openssl: printf '%s' '{"a":1}' | openssl dgst -sha256 -hmac key
    expect(webhookSignature('{"a":1}', 'key')).toBe(
      'sha256=88a67f24bbcdaed0e6c997404bb79a743baf44c6bab2f4c27328e3009d22e342',
    );
    expect(webhookSignature('{"name":"Café ✓"}', 'k')).toBe(
      'sha256=f349ec4fd4e610668f39d5a455ca24b6ce5ad05a89b820b97809498984c8db1b',
    );
  });

  it('changes with any byte of the body and with the secret', () => {
    const base = webhookSignature('{"value":1}', 'k');
    expect(webhookSignature('{"value":2}', 'k')).not.toBe(base);
    expect(webhookSignature('{"value":1} ', 'k')).not.toBe(base);
    expect(webhookSignature('{"value":1}', 'k2')).not.toBe(base);
    expect(base).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('signs the UTF-8 bytes, the same as a string or a buffer', () => {
    const body = '{"name":"Café ✓"}';
    expect(webhookSignature(Buffer.from(body, 'utf8'), 'k')).toBe(webhookSignature(body, 'k'));
  });
});

describe('the Standard Webhooks signature', () => {
  const at = 1614265330;
  // The library as a receiver would use it, its clock at `at`.
  const verify = (secret: string | Uint8Array, signature: string, body: string, format?: 'raw') => {
    const now = jest.spyOn(Date, 'now').mockReturnValue(at * 1000);
    try {
      const headers = {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(at),
        'webhook-signature': signature,
      };
      return new Webhook(secret, format && { format }).verify(body, headers);
    } finally {
      now.mockRestore();
    }
  };

  it("matches the specification's example", () => {
    const key = standardWebhooksKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(
      standardWebhooksSignature('msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}', key),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('keys a whsec_ secret by its base64 bytes, so standardwebhooks verifies with the secret as it is', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    expect(standardWebhooksKey(secret)).toEqual(Buffer.from(secret.slice(6), 'base64'));
    const body = '{"name":"Café ✓"}';
    const signature = standardWebhooksSignature('msg_1', at, body, standardWebhooksKey(secret));
    expect(verify(secret, signature, body)).toEqual({ name: 'Café ✓' });
    expect(() => verify(`whsec_${randomBytes(32).toString('base64')}`, signature, body)).toThrow(
      'No matching signature found',
    );
  });

  it('reads the base64url of secrets generated before, the same key as their base64', () => {
    const bytes = Buffer.from('fb'.repeat(32), 'hex'); // base64url "-_-_…", base64 "+/+/…"
    const urlSecret = `whsec_${bytes.toString('base64url')}`;
    expect(urlSecret).toMatch(/[-_]/);
    expect(standardWebhooksKey(urlSecret)).toEqual(bytes);
    const signature = standardWebhooksSignature('msg_1', at, '{}', standardWebhooksKey(urlSecret));
    expect(verify(`whsec_${bytes.toString('base64')}`, signature, '{}')).toEqual({});
  });

  it('keys any other secret by its UTF-8 bytes, which the library takes with format raw', () => {
    for (const secret of [
      'a-secret-of-my-own-choice',
      'whsec_not base64!',
      'whsec_mixed+and_alphabets',
      'whsec_abcde',
    ]) {
      expect(standardWebhooksKey(secret)).toEqual(Buffer.from(secret, 'utf8'));
      const signature = standardWebhooksSignature('msg_1', at, '{}', standardWebhooksKey(secret));
      expect(verify(Buffer.from(secret, 'utf8'), signature, '{}', 'raw')).toEqual({});
    }
  });

  it('changes with the id, the timestamp and any byte of the body', () => {
    const key = standardWebhooksKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    const base = standardWebhooksSignature('msg_1', at, '{"value":1}', key);
    expect(standardWebhooksSignature('msg_2', at, '{"value":1}', key)).not.toBe(base);
    expect(standardWebhooksSignature('msg_1', at + 1, '{"value":1}', key)).not.toBe(base);
    expect(standardWebhooksSignature('msg_1', at, '{"value":1} ', key)).not.toBe(base);
    expect(standardWebhooksSignature('msg_1', at, Buffer.from('{"value":1}'), key)).toBe(base);
  });
});

describe('the wording of notifications', () => {
  it('titles and summarises what happened', () => {
    expect(notificationTitle(content)).toBe('Checkout errors is firing');
    expect(notificationTitle({ ...content, kind: 'resolved' })).toBe('Checkout errors is resolved');
    expect(notificationTitle({ ...content, kind: 'test' })).toBe('Test notification for Checkout errors');
    expect(notificationSummary(content)).toBe('events = 132.5 (threshold ≥ 100) over the last 15 minutes');
    expect(notificationSummary({ ...content, value: null, kind: 'test' })).toBe(
      'no value measured (threshold ≥ 100) over the last 15 minutes',
    );
  });

  it('keeps a hostile alert name on one line in the subject and escaped in the HTML', () => {
    const email = alertEmail(
      { ...content, alert: { ...content.alert, name: '<b>x</b>\r\nBcc: eve@example.com' } },
      'https://app.northstar.test',
    );
    expect(email.subject).toBe('[Northstar] <b>x</b> Bcc: eve@example.com is firing');
    expect(email.html).not.toContain('<b>x</b>');
    expect(email.html).toContain('&lt;b&gt;x&lt;/b&gt;');
  });

  it('writes a plain email with the facts and the link', () => {
    const email = alertEmail(content, 'https://app.northstar.test');
    expect(email.text).toContain('Metric: events');
    expect(email.text).toContain('Condition: ≥ 100');
    expect(email.text).toContain('Value: 132.5');
    expect(email.text).toContain('Filter: event = Checkout Failed, chainId = 1');
    expect(email.text).toContain('Evaluated at: 29 Nov 2026, 10:00 UTC');
    expect(email.text).toContain(
      `https://app.northstar.test/projects/${content.projectId}/alerts/${content.alert.id}`,
    );
  });
});
