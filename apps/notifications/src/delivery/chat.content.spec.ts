import {
  chatMessage,
  discordPayload,
  DISCORD_LIMITS,
  escapeSlack,
  slackPayload,
  SLACK_LIMITS,
  teamsPayload,
  telegramPayload,
  TELEGRAM_LIMITS,
  truncate,
  type ChatMessage,
} from './chat.content';
import { retryAfter } from './chat.sender';
import type { NotificationContent } from './delivery.content';

const PUBLIC_URL = 'https://app.northstar.test/';
const content: NotificationContent = {
  kind: 'firing',
  projectId: '6a1f1c52-8a3f-4d3e-9d2b-2f5c1e0b7a10',
  alert: {
    id: '0b8e2c1a-5f43-4c7e-8a9d-1e2f3a4b5c6d',
    name: 'Checkout <errors> & @channel',
    metric: 'events',
    comparator: 'gte',
    threshold: 100,
    windowSeconds: 900,
    filter: { event: 'Checkout Failed' },
  },
  value: 132.5,
  at: '2026-11-29T10:00:00.000Z',
};
const LINK = `https://app.northstar.test/projects/${content.projectId}/alerts/${content.alert.id}`;
const message = chatMessage(content, PUBLIC_URL);

/** A message whose every text is far past every service's limits. */
const huge: ChatMessage = {
  ...message,
  title: `${'T'.repeat(5000)}😀`,
  summary: '&<>'.repeat(5000),
  facts: Array.from({ length: 40 }, (_, index) => ({
    label: `L${index}${'l'.repeat(400)}`,
    value: 'v&'.repeat(3000),
  })),
};

describe('the chat message', () => {
  it('has the title, state, value against threshold, window and the console link', () => {
    expect(message).toEqual({
      title: 'Checkout <errors> & @channel is firing',
      state: 'firing',
      summary: 'events = 132.5 (threshold ≥ 100) over the last 15 minutes',
      facts: [
        { label: 'Metric', value: 'events' },
        { label: 'Value', value: '132.5' },
        { label: 'Threshold', value: '≥ 100' },
        { label: 'Window', value: 'the last 15 minutes' },
        { label: 'Filter', value: 'event = Checkout Failed' },
        { label: 'Evaluated at', value: '29 Nov 2026, 10:00 UTC' },
      ],
      link: LINK,
      at: '2026-11-29T10:00:00.000Z',
    });
    expect(chatMessage({ ...content, kind: 'resolved' }, PUBLIC_URL).title).toMatch(/is resolved$/);
    expect(chatMessage({ ...content, kind: 'test', value: null }, PUBLIC_URL)).toMatchObject({
      title: 'Test notification for Checkout <errors> & @channel',
      state: 'test',
    });
  });

  it('truncates without splitting a character made of two UTF-16 units', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcd', 3)).toBe('ab…');
    const cut = truncate('ab😀cd', 4);
    expect(cut).toBe('ab…');
    expect(cut.length).toBeLessThanOrEqual(4);
  });
});

describe('Slack', () => {
  it('sends text and blocks, the user text escaped and without mentions', () => {
    const payload = slackPayload(message);
    expect(payload.text).toBe(
      'Checkout &lt;errors&gt; &amp; @\u200bchannel is firing: events = 132.5 (threshold ≥ 100) over the last 15 minutes',
    );
    expect(payload.blocks).toEqual([
      {
        type: 'header',
        text: { type: 'plain_text', text: 'Checkout <errors> & @\u200bchannel is firing', emoji: true },
      },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '*Firing*: events = 132.5 (threshold ≥ 100) over the last 15 minutes' },
        fields: expect.arrayContaining([{ type: 'mrkdwn', text: '*Value*\n132.5' }]) as unknown,
      },
      {
        type: 'actions',
        elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the alert' }, url: LINK }],
      },
    ]);
    expect(JSON.stringify(payload)).not.toMatch(/<!|@channel|@here/);
    expect(escapeSlack('<!here> @here @everyone')).toBe('&lt;!here&gt; @\u200bhere @\u200beveryone');
  });

  it('keeps every text within Block Kit limits, never ending inside an entity', () => {
    const payload = slackPayload(huge);
    const [header, section] = payload.blocks as Array<{
      text: { text: string };
      fields?: Array<{ text: string }>;
    }>;
    expect(header.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.header);
    expect(section.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.section);
    expect(section.fields).toHaveLength(SLACK_LIMITS.fields);
    for (const field of section.fields ?? [])
      expect(field.text.length).toBeLessThanOrEqual(SLACK_LIMITS.field);
    expect(payload.text.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
    for (const text of [payload.text, section.text.text, ...(section.fields ?? []).map((f) => f.text)]) {
      expect(text).toMatch(/(&amp;|&lt;|&gt;|[^&;])…$|[^…]$/);
      expect(text).not.toMatch(/&[a-z]*…$/);
    }
  });
});

describe('Discord', () => {
  it('sends one embed and allows no mentions', () => {
    const payload = discordPayload(message);
    expect(payload).toEqual({
      content: '',
      embeds: [
        {
          title: 'Checkout <errors> & @channel is firing',
          description: 'events = 132.5 (threshold ≥ 100) over the last 15 minutes',
          url: LINK,
          color: 0xd92d20,
          fields: expect.arrayContaining([
            { name: 'Value', value: '132.5', inline: true },
            { name: 'Filter', value: 'event = Checkout Failed', inline: false },
          ]) as unknown,
          footer: { text: 'Northstar · Firing' },
          timestamp: '2026-11-29T10:00:00.000Z',
        },
      ],
      allowed_mentions: { parse: [] },
    });
  });

  it('keeps the embed within its limits, 6000 characters in all', () => {
    const [embed] = discordPayload(huge).embeds;
    expect(embed.title.length).toBeLessThanOrEqual(DISCORD_LIMITS.title);
    expect(embed.description.length).toBeLessThanOrEqual(DISCORD_LIMITS.description);
    expect(embed.fields.length).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
    for (const field of embed.fields) {
      expect(field.name.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldName);
      expect(field.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
    }
    const total =
      embed.title.length +
      embed.description.length +
      embed.footer.text.length +
      embed.fields.reduce((sum, field) => sum + field.name.length + field.value.length, 0);
    expect(total).toBeLessThanOrEqual(DISCORD_LIMITS.total);
  });
});

describe('Microsoft Teams', () => {
  it('sends a Workflows message with an Adaptive Card', () => {
    const payload = teamsPayload(message);
    expect(payload.type).toBe('message');
    expect(payload.attachments).toHaveLength(1);
    const [attachment] = payload.attachments;
    expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachment.content).toMatchObject({
      type: 'AdaptiveCard',
      version: '1.4',
      body: [
        { type: 'TextBlock', size: 'Large', weight: 'Bolder', color: 'Attention', wrap: true },
        { type: 'TextBlock', text: 'events = 132.5 (threshold ≥ 100) over the last 15 minutes', wrap: true },
        { type: 'FactSet' },
      ],
      actions: [{ type: 'Action.OpenUrl', title: 'Open the alert', url: LINK }],
    });
  });

  it('stays well within the 28 KB of a Teams message', () => {
    expect(Buffer.byteLength(JSON.stringify(teamsPayload(huge)))).toBeLessThan(28 * 1024 * 4);
  });
});

describe('Telegram', () => {
  it('sends HTML-escaped text without a link preview', () => {
    const payload = telegramPayload(message, '-1001234567890');
    expect(payload).toEqual({
      chat_id: '-1001234567890',
      parse_mode: 'HTML',
      disable_web_page_preview: true,
      link_preview_options: { is_disabled: true },
      text: [
        '<b>Checkout &lt;errors&gt; &amp; @channel is firing</b>',
        'events = 132.5 (threshold ≥ 100) over the last 15 minutes',
        'Metric: events\nValue: 132.5\nThreshold: ≥ 100\nWindow: the last 15 minutes\nFilter: event = Checkout Failed\nEvaluated at: 29 Nov 2026, 10:00 UTC',
        `<a href="${LINK}">Open the alert</a>`,
      ].join('\n\n'),
    });
  });

  it('sends a message too long for 4096 characters as plain text, cut', () => {
    const payload = telegramPayload(huge, '@alerts_channel');
    expect(payload.parse_mode).toBeUndefined();
    expect(payload.text.length).toBeLessThanOrEqual(TELEGRAM_LIMITS.text);
    expect(payload.text.endsWith('…')).toBe(true);
  });
});

describe('retryAfter', () => {
  const now = Date.parse('2026-12-06T10:00:00Z');

  it('reads Retry-After in seconds or as a date, and the JSON fields of Discord and Telegram', () => {
    expect(retryAfter({ headers: { 'retry-after': '3' } }, null, now)).toBe(3000);
    expect(retryAfter({ headers: { 'retry-after': 'Sun, 06 Dec 2026 10:00:30 GMT' } }, null, now)).toBe(
      30_000,
    );
    expect(retryAfter({ headers: {} }, { retry_after: 1.25, global: false }, now)).toBe(1250);
    expect(retryAfter({ headers: {} }, { ok: false, parameters: { retry_after: 7 } }, now)).toBe(7000);
    expect(retryAfter({ headers: { 'retry-after': '2' } }, { retry_after: 2.5 }, now)).toBe(2500);
    expect(retryAfter({ headers: {} }, { message: 'nope' }, now)).toBeNull();
    expect(retryAfter({ headers: { 'retry-after': 'soon' } }, null, now)).toBeNull();
    expect(retryAfter({ headers: { 'retry-after': '999999' } }, null, now)).toBe(6 * 3600 * 1000);
  });
});
