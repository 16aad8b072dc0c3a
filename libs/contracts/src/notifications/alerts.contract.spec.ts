import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import {
  AlertEmailChannelInput,
  AlertWebhookChannelInput,
  CreateAlertBody,
  UpdateAlertBody,
} from './alerts.contract';

// The gateway's and the services' pipe settings: unknown fields are errors.
function errorsOf<T extends object>(type: new () => T, value: object): { field: string; message: string }[] {
  const errors = validateSync(plainToInstance(type, value), { whitelist: true, forbidNonWhitelisted: true });
  const out: { field: string; message: string }[] = [];
  const walk = (list: ValidationError[], parent: string) => {
    for (const error of list) {
      const field = parent ? `${parent}.${error.property}` : error.property;
      for (const message of Object.values(error.constraints ?? {})) out.push({ field, message });
      walk(error.children ?? [], field);
    }
  };
  walk(errors, '');
  return out;
}

/** The invalid fields, each once, sorted. */
const fieldsOf = <T extends object>(type: new () => T, value: object) =>
  [...new Set(errorsOf(type, value).map((error) => error.field))].sort();

const VALID = {
  name: '  Checkout errors ',
  metric: 'events',
  filter: { event: 'Checkout Failed', type: 'track', chainId: 1 },
  comparator: 'gt',
  threshold: 10.5,
  windowSeconds: 300,
  channels: [
    { type: 'email', to: 'oncall@example.com' },
    { type: 'webhook', url: 'https://hooks.example.com/x?token=1' },
    { type: 'webhook', url: 'http://localhost:8080/hook', secret: 's'.repeat(16) },
    { type: 'in_app' },
  ],
};

describe('alert bodies', () => {
  it('accepts a full alert, trims the name and makes each channel its own class', () => {
    expect(errorsOf(CreateAlertBody, VALID)).toEqual([]);
    const body = plainToInstance(CreateAlertBody, VALID);
    expect(body.name).toBe('Checkout errors');
    expect(body.channels[0]).toBeInstanceOf(AlertEmailChannelInput);
    expect(body.channels[1]).toBeInstanceOf(AlertWebhookChannelInput);
    expect(body.channels.map((channel) => channel.type)).toEqual(['email', 'webhook', 'webhook', 'in_app']);
  });

  it.each([
    [{ name: '' }, ['name']],
    [{ name: 'x'.repeat(101) }, ['name']],
    [{ metric: 'sessions' }, ['metric']],
    [{ comparator: 'eq' }, ['comparator']],
    [{ threshold: '10' }, ['threshold']],
    [{ windowSeconds: 59 }, ['windowSeconds']],
    [{ windowSeconds: 30 * 86_400 + 1 }, ['windowSeconds']],
    [{ windowSeconds: 120.5 }, ['windowSeconds']],
    [{ everySeconds: 4 }, ['everySeconds']],
    [{ everySeconds: 86_401 }, ['everySeconds']],
    [{ cooldownSeconds: -1 }, ['cooldownSeconds']],
    [{ enabled: 'yes' }, ['enabled']],
    [{ filter: { chainId: 0 } }, ['filter.chainId']],
    [{ filter: { type: 'click' } }, ['filter.type']],
    [{ filter: { from: '2026-01-01T00:00:00Z' } }, ['filter.from']],
    [{ channels: [] }, ['channels']],
    [{ channels: Array.from({ length: 11 }, () => ({ type: 'in_app' })) }, ['channels']],
  ])('refuses %j naming %j', (change, fields) => {
    expect(fieldsOf(CreateAlertBody, { ...VALID, ...change })).toEqual(fields);
  });

  it('names the field of the channel that is wrong, checked by its type', () => {
    const channels = [
      { type: 'email', to: 'not-an-address' },
      { type: 'webhook', url: 'ftp://hooks.example.com/x' },
      { type: 'webhook', url: 'https://hooks.example.com/x', secret: 'short' },
      { type: 'webhook', url: `https://hooks.example.com/${'x'.repeat(2048)}` },
      { type: 'sms', to: '+33600000000' },
      { type: 'in_app', to: 'oncall@example.com' },
      { type: 'email', url: 'https://hooks.example.com/x' },
    ];
    expect(fieldsOf(CreateAlertBody, { ...VALID, channels })).toEqual([
      'channels.0.to',
      'channels.1.url',
      'channels.2.secret',
      'channels.3.url',
      'channels.4.to',
      'channels.4.type',
      'channels.5.to',
      'channels.6.to',
      'channels.6.url',
    ]);
    const errors = errorsOf(CreateAlertBody, { ...VALID, channels });
    expect(errors).toContainEqual({ field: 'channels.1.url', message: 'url must be an http(s) URL' });
    expect(errors).toContainEqual({
      field: 'channels.4.type',
      message: 'type must be one of email, webhook, in_app, slack, teams, discord, telegram',
    });
  });

  it('requires what a new alert needs, and nothing of a change', () => {
    expect(fieldsOf(CreateAlertBody, {})).toEqual([
      'channels',
      'comparator',
      'metric',
      'name',
      'threshold',
      'windowSeconds',
    ]);
    expect(errorsOf(UpdateAlertBody, {})).toEqual([]);
    expect(errorsOf(UpdateAlertBody, { threshold: 3, channels: [{ type: 'in_app' }] })).toEqual([]);
    expect(fieldsOf(UpdateAlertBody, { channels: [{ type: 'webhook' }] })).toContain('channels.0.url');
  });

  it('refuses a channel that is not an object (null, a number, an array) instead of throwing', () => {
    for (const channel of [null, 3, 'email', [{ type: 'in_app' }]]) {
      const fields = fieldsOf(UpdateAlertBody, { channels: [{ type: 'in_app' }, channel] });
      expect(fields).toEqual([expect.stringMatching(/^channels\.1\b/)]);
    }
  });
});

describe('chat channels', () => {
  const TOKEN = `123456789:${'A'.repeat(35)}`;
  const withChannel = (channel: object) => ({ ...VALID, channels: [channel] });

  it('accepts Slack, Teams and Discord URLs and a Telegram bot, a numeric chat id becoming a string', () => {
    const body = plainToInstance(CreateAlertBody, {
      ...VALID,
      channels: [
        { type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/X' },
        { type: 'teams', url: 'https://prod-1.westeurope.logic.azure.com/workflows/1' },
        { type: 'discord', url: 'https://discord.com/api/webhooks/1/abc' },
        { type: 'telegram', botToken: TOKEN, chatId: -1001234567890 },
        { type: 'telegram', botToken: TOKEN, chatId: '@northstar_alerts' },
      ],
    });
    expect(validateSync(body, { whitelist: true, forbidNonWhitelisted: true })).toEqual([]);
    expect(body.channels.map((channel) => channel.type)).toEqual([
      'slack',
      'teams',
      'discord',
      'telegram',
      'telegram',
    ]);
    expect((body.channels[3] as { chatId: string }).chatId).toBe('-1001234567890');
  });

  it.each([
    [{ type: 'slack' }, 'channels.0.url'],
    [{ type: 'discord', url: 'ftp://discord.com/api/webhooks/1/a' }, 'channels.0.url'],
    [{ type: 'teams', url: 'not a url' }, 'channels.0.url'],
    [{ type: 'telegram', botToken: 'abc', chatId: '1' }, 'channels.0.botToken'],
    [{ type: 'telegram', botToken: `12:${'A'.repeat(29)}`, chatId: '1' }, 'channels.0.botToken'],
    [{ type: 'telegram', botToken: TOKEN, chatId: 'general' }, 'channels.0.chatId'],
    [{ type: 'telegram', botToken: TOKEN, chatId: 1.5 }, 'channels.0.chatId'],
    [{ type: 'telegram', botToken: TOKEN }, 'channels.0.chatId'],
    [
      { type: 'slack', url: 'https://hooks.slack.com/services/x', secret: 's'.repeat(16) },
      'channels.0.secret',
    ],
  ])('refuses %j naming %s', (channel, field) => {
    expect(fieldsOf(CreateAlertBody, withChannel(channel))).toEqual([field]);
  });
});
