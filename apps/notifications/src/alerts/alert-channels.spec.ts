import { Webhook } from 'standardwebhooks';
import { channelViews, generateWebhookSecret, resolveChannels } from './alert-channels';

// Stands in for SecretBox.seal: visible, so the tests see what is stored.
const seal = (secret: string): string => `sealed(${secret})`;

describe('webhook secrets of alert channels', () => {
  it('generates whsec_ and 32 random bytes in base64, different every time', () => {
    const secrets = new Set(Array.from({ length: 50 }, generateWebhookSecret));
    expect(secrets.size).toBe(50);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
      // What a Standard Webhooks receiver does with it.
      expect(() => new Webhook(secret)).not.toThrow();
    }
  });

  it('keeps a given secret, generates a missing one, and shows only the generated one', () => {
    const { channels, generated } = resolveChannels(
      [
        { type: 'in_app' },
        { type: 'webhook', url: 'https://a.example.com', secret: 'given-secret-0123' },
        { type: 'webhook', url: 'https://b.example.com' },
      ],
      [],
      seal,
    );
    expect([...generated.keys()]).toEqual([2]);
    expect(channels[1]).toEqual({
      type: 'webhook',
      url: 'https://a.example.com',
      secret: 'sealed(given-secret-0123)',
      hint: '0123',
    });
    const made = generated.get(2) ?? '';
    expect(channels[2]).toMatchObject({ secret: `sealed(${made})`, hint: made.slice(-4) });
    expect(channelViews(channels, true, generated)).toEqual([
      { type: 'in_app' },
      { type: 'webhook', url: 'https://a.example.com', secretHint: '0123' },
      { type: 'webhook', url: 'https://b.example.com', secretHint: made.slice(-4), secret: made },
    ]);
    expect(JSON.stringify(channelViews(channels, true))).not.toContain(made);
  });

  it('shows a webhook URL in full only when revealed, else scheme and host', () => {
    const url = 'https://user:pw@hooks.slack.example:8443/services/T000/B000/XXXX?token=abc#frag';
    const channels = resolveChannels(
      [{ type: 'webhook', url, secret: 'given-secret-0123' }],
      [],
      seal,
    ).channels;
    expect(channelViews(channels, true)).toEqual([{ type: 'webhook', url, secretHint: '0123' }]);
    expect(channelViews(channels, false)).toEqual([
      { type: 'webhook', url: 'https://hooks.slack.example:8443/…', secretHint: '0123' },
    ]);
  });

  it('keeps the current secret of a webhook sent back without it, matched by URL', () => {
    const current = resolveChannels([{ type: 'webhook', url: 'https://a.example.com' }], [], seal).channels;
    const kept = resolveChannels(
      [
        { type: 'webhook', url: 'https://a.example.com' },
        { type: 'webhook', url: 'https://c.example.com' },
      ],
      current,
      seal,
    );
    expect(kept.channels[0]).toEqual(current[0]);
    expect([...kept.generated.keys()]).toEqual([1]);
  });

  it('shows the hint of a channel stored before secrets were sealed, from its secret in clear', () => {
    expect(
      channelViews(
        [{ type: 'webhook', url: 'https://a.example.com', secret: 'old-plain-secret-wxyz' }],
        true,
      ),
    ).toEqual([{ type: 'webhook', url: 'https://a.example.com', secretHint: 'wxyz' }]);
  });
});

describe('chat channels of alerts', () => {
  const token = `123456789:${'b'.repeat(35)}`;
  const open = (sealed: string): string => sealed.replace(/^sealed\((.*)\)$/, '$1');

  it('stores chat URLs and bot tokens sealed, and shows them whole only when revealed', () => {
    const { channels, generated } = resolveChannels(
      [
        { type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/XYZ' },
        { type: 'discord', url: 'https://discord.com/api/webhooks/1/tok' },
        { type: 'teams', url: 'https://prod-1.westeurope.logic.azure.com:443/workflows/1?sig=abc' },
        { type: 'telegram', botToken: token, chatId: '@alerts_channel' },
      ],
      [],
      seal,
    );
    expect(generated.size).toBe(0);
    expect(channels).toEqual([
      { type: 'slack', url: 'sealed(https://hooks.slack.com/services/T0/B0/XYZ)' },
      { type: 'discord', url: 'sealed(https://discord.com/api/webhooks/1/tok)' },
      { type: 'teams', url: 'sealed(https://prod-1.westeurope.logic.azure.com:443/workflows/1?sig=abc)' },
      { type: 'telegram', botToken: `sealed(${token})`, chatId: '@alerts_channel' },
    ]);
    expect(channelViews(channels, true, new Map(), open)).toEqual([
      { type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/XYZ' },
      { type: 'discord', url: 'https://discord.com/api/webhooks/1/tok' },
      { type: 'teams', url: 'https://prod-1.westeurope.logic.azure.com:443/workflows/1?sig=abc' },
      { type: 'telegram', botToken: token, chatId: '@alerts_channel' },
    ]);
    const redacted = channelViews(channels, false, new Map(), open);
    expect(redacted).toEqual([
      { type: 'slack', url: 'https://hooks.slack.com/…' },
      { type: 'discord', url: 'https://discord.com/…' },
      { type: 'teams', url: 'https://prod-1.westeurope.logic.azure.com/…' },
      { type: 'telegram', botToken: '123456789:…', chatId: '@alerts_channel' },
    ]);
    expect(JSON.stringify(redacted)).not.toMatch(/XYZ|tok|sig=|bbbb/);
  });
});
