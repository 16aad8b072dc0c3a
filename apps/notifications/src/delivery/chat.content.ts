import type { AlertNotificationKind } from '@northstar/contracts';
import { escapeHtml, formatUtc } from '../email/email.templates';
import {
  alertLink,
  COMPARATOR_SIGN,
  duration,
  metricLabel,
  notificationSummary,
  notificationTitle,
  type NotificationContent,
} from './delivery.content';

/**
 * One alert notification as every chat service shows it; each service's payload below is rendered
 * from this, within that service's documented limits.
 */
export interface ChatMessage {
  /** `Checkout errors is firing`. */
  title: string;
  state: AlertNotificationKind;
  /** `events = 132 (threshold > 100) over the last 5 minutes`. */
  summary: string;
  facts: Array<{ label: string; value: string }>;
  /** The alert in the console. */
  link: string;
  /** ISO time of the evaluation. */
  at: string;
}

export function chatMessage(content: NotificationContent, publicUrl: string): ChatMessage {
  const { alert } = content;
  const filter = Object.entries(alert.filter).map(([key, value]) => `${key} = ${value}`);
  return {
    title: notificationTitle(content),
    state: content.kind,
    summary: notificationSummary(content),
    facts: [
      { label: 'Metric', value: metricLabel(alert) },
      { label: 'Value', value: content.value === null ? 'none measured' : String(content.value) },
      { label: 'Threshold', value: `${COMPARATOR_SIGN[alert.comparator]} ${alert.threshold}` },
      { label: 'Window', value: `the last ${duration(alert.windowSeconds)}` },
      ...(filter.length > 0 ? [{ label: 'Filter', value: filter.join(', ') }] : []),
      { label: 'Evaluated at', value: formatUtc(new Date(content.at)) },
    ],
    link: alertLink(publicUrl, content.projectId, alert.id),
    at: content.at,
  };
}

const STATE_LABEL: Record<AlertNotificationKind, string> = {
  firing: 'Firing',
  resolved: 'Resolved',
  test: 'Test',
};

/**
 * At most `max` UTF-16 units, ending in `…` when cut. Services count in UTF-16 units or in code
 * points; fitting the first fits both, and a surrogate pair is never split in two.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}…`;
}

/** Like truncate, for escaped text: never ends inside an entity (`&am`), which would show broken. */
function truncateEscaped(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${truncate(text, max)
    .slice(0, -1)
    .replace(/&[#a-z0-9]*$/i, '')}…`;
}

// ---------------------------------------------------------------------------------------------
// Slack: an incoming webhook's `text` (the notification's fallback) and Block Kit `blocks`.
// Limits (api.slack.com/reference/block-kit): header text 150, section text 3000, 10 fields of 2000,
// button text 75 and URL 3000, context element 3000; 50 blocks.

export const SLACK_LIMITS = {
  header: 150,
  section: 3000,
  field: 2000,
  fields: 10,
  buttonUrl: 3000,
  text: 3000,
};

/**
 * Escapes Slack's control characters (`&`, `<`, `>`), so that an alert name cannot make a link or a
 * `<!channel>` mention; a bare `@channel`, `@here` or `@everyone` gets a zero-width space after `@`, so
 * that no client or setting turns it into one either.
 */
export function escapeSlack(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(channel|here|everyone)\b/gi, '@\u200b$1');
}

export interface SlackPayload {
  text: string;
  blocks: unknown[];
}

export function slackPayload(message: ChatMessage): SlackPayload {
  const title = escapeSlack(message.title);
  const summary = escapeSlack(message.summary);
  const fields = message.facts.slice(0, SLACK_LIMITS.fields).map((fact) => ({
    type: 'mrkdwn',
    text: truncateEscaped(`*${escapeSlack(fact.label)}*\n${escapeSlack(fact.value)}`, SLACK_LIMITS.field),
  }));
  const blocks: unknown[] = [
    {
      type: 'header',
      // plain_text: not parsed at all, so it is not escaped (an escape would show as typed).
      text: {
        type: 'plain_text',
        text: truncate(slackPlain(message.title), SLACK_LIMITS.header),
        emoji: true,
      },
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncateEscaped(`*${STATE_LABEL[message.state]}*: ${summary}`, SLACK_LIMITS.section),
      },
      fields,
    },
  ];
  if (message.link.length <= SLACK_LIMITS.buttonUrl) {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the alert' }, url: message.link }],
    });
  }
  return { text: truncateEscaped(`${title}: ${summary}`, SLACK_LIMITS.text), blocks };
}

function slackPlain(text: string): string {
  return text.replace(/@(channel|here|everyone)\b/gi, '@\u200b$1');
}

// ---------------------------------------------------------------------------------------------
// Discord: an execute-webhook body with one embed and no mentions at all (`allowed_mentions.parse`
// empty). Limits (discord.com/developers/docs/resources/message#embed-object-embed-limits): title 256,
// description 4096, 25 fields of name 256 and value 1024, footer 2048, 6000 characters in all.

export const DISCORD_LIMITS = {
  content: 2000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  total: 6000,
};

const DISCORD_COLOUR: Record<AlertNotificationKind, number> = {
  firing: 0xd92d20,
  resolved: 0x12b76a,
  test: 0x2e90fa,
};

/** Escapes Discord markdown, so that an alert name is shown as typed (no links, no formatting). */
export function escapeDiscord(text: string): string {
  return text.replace(/([\\*_~`|>[\]])/g, '\\$1');
}

export interface DiscordPayload {
  content: string;
  embeds: Array<{
    title: string;
    description: string;
    url: string;
    color: number;
    fields: Array<{ name: string; value: string; inline: boolean }>;
    footer: { text: string };
    timestamp: string;
  }>;
  allowed_mentions: { parse: never[] };
}

export function discordPayload(message: ChatMessage): DiscordPayload {
  const title = truncate(message.title, DISCORD_LIMITS.title);
  const footer = { text: `Northstar · ${STATE_LABEL[message.state]}` };
  // The 6000 characters of all embeds together, shared out: the description up to half of what is
  // left after the title and footer, then the fields evenly, each within its own limits.
  let budget = DISCORD_LIMITS.total - title.length - footer.text.length;
  const description = truncate(
    escapeDiscord(message.summary),
    Math.min(DISCORD_LIMITS.description, Math.floor(budget / 2)),
  );
  budget -= description.length;
  const facts = message.facts.slice(0, DISCORD_LIMITS.fields);
  const fields = facts.map((fact, index) => {
    const share = Math.floor(budget / (facts.length - index));
    const name = truncate(fact.label, Math.min(DISCORD_LIMITS.fieldName, Math.max(1, Math.floor(share / 4))));
    const value = truncate(
      escapeDiscord(fact.value),
      Math.min(DISCORD_LIMITS.fieldValue, Math.max(1, share - name.length)),
    );
    budget -= name.length + value.length;
    return { name, value, inline: fact.label !== 'Filter' };
  });
  const embed = {
    title,
    description,
    url: message.link,
    color: DISCORD_COLOUR[message.state],
    fields,
    footer,
    timestamp: message.at,
  };
  return { content: '', embeds: [embed], allowed_mentions: { parse: [] } };
}

// ---------------------------------------------------------------------------------------------
// Microsoft Teams: a Workflows webhook ("When a Teams webhook request is received") takes a `message`
// whose attachment is an Adaptive Card (1.4 is what Teams renders); the request is at most 28 KB.

export const TEAMS_LIMITS = { bytes: 28 * 1024, text: 2000 };

const TEAMS_COLOUR: Record<AlertNotificationKind, string> = {
  firing: 'Attention',
  resolved: 'Good',
  test: 'Accent',
};

export interface TeamsPayload {
  type: 'message';
  attachments: Array<{
    contentType: 'application/vnd.microsoft.card.adaptive';
    contentUrl: null;
    content: Record<string, unknown>;
  }>;
}

export function teamsPayload(message: ChatMessage): TeamsPayload {
  // TextBlocks read a little markdown and Teams ignores backslash escapes: a link in an alert name is
  // broken apart (a zero-width space between `]` and `(`), so that it shows as typed.
  const plain = (text: string) => truncate(text.replace(/\]\(/g, ']\u200b('), TEAMS_LIMITS.text);
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    msteams: { width: 'Full' },
    body: [
      {
        type: 'TextBlock',
        text: plain(message.title),
        size: 'Large',
        weight: 'Bolder',
        color: TEAMS_COLOUR[message.state],
        wrap: true,
      },
      { type: 'TextBlock', text: plain(message.summary), wrap: true },
      {
        type: 'FactSet',
        facts: message.facts.map((fact) => ({ title: plain(fact.label), value: plain(fact.value) })),
      },
    ],
    actions: [{ type: 'Action.OpenUrl', title: 'Open the alert', url: message.link }],
  };
  return {
    type: 'message',
    attachments: [
      { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Telegram: the Bot API's sendMessage, HTML parse mode (only &, < and > need escaping, and every
// tag is ours), without a link preview; a message is 1-4096 characters after entities are parsed.

export const TELEGRAM_LIMITS = { text: 4096 };

export interface TelegramPayload {
  chat_id: string;
  text: string;
  parse_mode?: 'HTML';
  disable_web_page_preview: true;
  link_preview_options: { is_disabled: true };
}

export function telegramPayload(message: ChatMessage, chatId: string): TelegramPayload {
  const facts = message.facts.map((fact) => `${escapeHtml(fact.label)}: ${escapeHtml(fact.value)}`);
  const html = [
    `<b>${escapeHtml(message.title)}</b>`,
    escapeHtml(message.summary),
    facts.join('\n'),
    `<a href="${escapeHtml(message.link)}">Open the alert</a>`,
  ].join('\n\n');
  const base = {
    chat_id: chatId,
    disable_web_page_preview: true as const,
    link_preview_options: { is_disabled: true as const },
  };
  // Cutting HTML could leave a tag open, which Telegram refuses: a message too long goes as plain text.
  if (html.length <= TELEGRAM_LIMITS.text) return { ...base, text: html, parse_mode: 'HTML' };
  const plain = [
    message.title,
    message.summary,
    message.facts.map((f) => `${f.label}: ${f.value}`).join('\n'),
    message.link,
  ].join('\n\n');
  return { ...base, text: truncate(plain, TELEGRAM_LIMITS.text) };
}
