import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client';
import type { AlertDto, CreateAlertBody } from '../../api/schema.gen';
import { Field, FormError, SelectField, SubmitButton } from '../../components/ui';
import '../analytics/analytics.css';

// The form of an alert, for creating and editing: what is measured (metric, filter, window), when it
// fires (comparator, threshold), how often it is checked and re-notifies, and where it notifies.

export type AlertInput = CreateAlertBody;
type ChannelInput = CreateAlertBody['channels'][number];
type Comparator = CreateAlertBody['comparator'];

export const METRIC_OPTIONS = [
  { value: 'events', label: 'Events' },
  { value: 'users', label: 'Users' },
  { value: 'pageviews', label: 'Pageviews' },
  { value: 'transactions', label: 'Transactions' },
  { value: 'wallets', label: 'Wallets' },
] as const;

export const COMPARATOR_OPTIONS: readonly { value: Comparator; label: string; symbol: string }[] = [
  { value: 'gt', label: 'is above (>)', symbol: '>' },
  { value: 'gte', label: 'is at least (≥)', symbol: '≥' },
  { value: 'lt', label: 'is below (<)', symbol: '<' },
  { value: 'lte', label: 'is at most (≤)', symbol: '≤' },
];

const TYPE_OPTIONS = [
  { value: '', label: 'Any type' },
  ...['track', 'page', 'screen', 'identify', 'group', 'alias', 'transaction', 'wallet'].map((type) => ({
    value: type,
    label: type,
  })),
];

/** Seconds as the largest whole unit, for summaries ("5 minutes"). */
export function formatSeconds(seconds: number): string {
  const units: [number, string][] = [
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const count = seconds / size;
      return `${count} ${name}${count === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} seconds`;
}

interface Draft {
  name: string;
  metric: CreateAlertBody['metric'];
  comparator: Comparator;
  threshold: string;
  windowMinutes: string;
  everySeconds: string;
  cooldownMinutes: string;
  enabled: boolean;
  filterEvent: string;
  filterType: string;
  filterChainId: string;
  inApp: boolean;
  emails: string;
  webhookUrl: string;
  webhookSecret: string;
  /** Editing: an existing webhook keeps its stored secret unless a new one is typed. */
  webhookSecretHint: string;
  slackUrl: string;
  teamsUrl: string;
  discordUrl: string;
  telegramBotToken: string;
  telegramChatId: string;
}

/** The URL of the alert's channel of a chat type, for the form ('' without one). */
/** The chat channels addressed by one URL, in the order the form shows them. */
const CHAT_URL_FIELDS = [
  { type: 'slack', label: 'Slack incoming webhook URL' },
  { type: 'teams', label: 'Microsoft Teams workflow URL' },
  { type: 'discord', label: 'Discord webhook URL' },
] as const;

function chatUrlOf(alert: AlertDto | undefined, type: 'slack' | 'teams' | 'discord'): string {
  const channel = alert?.channels.find((each) => each.type === type);
  return channel && 'url' in channel ? channel.url : '';
}

function draftOf(alert: AlertDto | undefined, defaultEmail: string): Draft {
  const webhook = alert?.channels.find((channel) => channel.type === 'webhook');
  const telegram = alert?.channels.find((channel) => channel.type === 'telegram');
  return {
    name: alert?.name ?? '',
    metric: alert?.metric ?? 'events',
    comparator: alert?.comparator ?? 'gt',
    threshold: alert ? String(alert.threshold) : '100',
    windowMinutes: alert ? String(alert.windowSeconds / 60) : '5',
    everySeconds: alert ? String(alert.everySeconds) : '60',
    cooldownMinutes: alert ? String(alert.cooldownSeconds / 60) : '60',
    enabled: alert?.enabled ?? true,
    filterEvent: alert?.filter.event ?? '',
    filterType: alert?.filter.type ?? '',
    filterChainId: alert?.filter.chainId ? String(alert.filter.chainId) : '',
    inApp: alert ? alert.channels.some((channel) => channel.type === 'in_app') : true,
    emails: alert
      ? alert.channels.flatMap((channel) => (channel.type === 'email' ? [channel.to] : [])).join(', ')
      : defaultEmail,
    webhookUrl: webhook?.type === 'webhook' ? webhook.url : '',
    webhookSecret: '',
    webhookSecretHint: webhook?.type === 'webhook' ? webhook.secretHint : '',
    slackUrl: chatUrlOf(alert, 'slack'),
    teamsUrl: chatUrlOf(alert, 'teams'),
    discordUrl: chatUrlOf(alert, 'discord'),
    telegramBotToken: telegram?.type === 'telegram' ? telegram.botToken : '',
    telegramChatId: telegram?.type === 'telegram' ? telegram.chatId : '',
  };
}

function bodyOf(draft: Draft, editing: boolean): AlertInput {
  const channels: ChannelInput[] = [];
  if (draft.inApp) channels.push({ type: 'in_app' });
  for (const to of draft.emails.split(/[\s,;]+/).filter(Boolean)) channels.push({ type: 'email', to });
  if (draft.webhookUrl.trim()) {
    const secret = draft.webhookSecret.trim();
    channels.push({ type: 'webhook', url: draft.webhookUrl.trim(), ...(secret ? { secret } : {}) });
  }
  // Every channel the alert keeps is sent: the API replaces the list with what the form sends.
  for (const { type } of CHAT_URL_FIELDS) {
    const url = draft[`${type}Url`].trim();
    if (url) channels.push({ type, url });
  }
  if (draft.telegramBotToken.trim() || draft.telegramChatId.trim()) {
    channels.push({
      type: 'telegram',
      botToken: draft.telegramBotToken.trim(),
      chatId: draft.telegramChatId.trim(),
    });
  }
  const chainId = Number(draft.filterChainId);
  const filter: CreateAlertBody['filter'] = {
    ...(draft.filterEvent.trim() ? { event: draft.filterEvent.trim() } : {}),
    ...(draft.filterType ? { type: draft.filterType as NonNullable<CreateAlertBody['filter']>['type'] } : {}),
    ...(draft.filterChainId && Number.isInteger(chainId) ? { chainId } : {}),
  };
  return {
    name: draft.name.trim(),
    metric: draft.metric,
    comparator: draft.comparator,
    threshold: Number(draft.threshold),
    windowSeconds: Math.round(Number(draft.windowMinutes) * 60),
    everySeconds: Number(draft.everySeconds),
    cooldownSeconds: Math.round(Number(draft.cooldownMinutes) * 60),
    enabled: draft.enabled,
    // Editing sends the filter even when empty, so that clearing it takes effect.
    ...(editing || Object.keys(filter).length > 0 ? { filter } : {}),
    channels,
  };
}

/** The API names fields of the body; this form shows some of them in other units or controls. */
function messageFor(error: unknown, ...fields: string[]): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  for (const field of fields) {
    const message = error.fieldError(field);
    if (message) return message;
  }
  const prefixed = error.errors.find((entry) => fields.some((field) => entry.field.startsWith(`${field}.`)));
  return prefixed?.message;
}

function FieldMessage({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p className="field-error" id={id}>
      {message}
    </p>
  );
}

export function AlertForm({
  alert,
  defaultEmail,
  busy,
  error,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  alert?: AlertDto;
  defaultEmail: string;
  busy: boolean;
  error: unknown;
  submitLabel: string;
  onSubmit: (body: AlertInput) => void;
  onCancel?: () => void;
}) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(alert, defaultEmail));
  const set = <K extends keyof Draft>(name: K, value: Draft[K]) =>
    setDraft((current) => ({ ...current, [name]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit(bodyOf(draft, alert !== undefined));
  };
  const windowError = messageFor(error, 'windowSeconds');
  const everyError = messageFor(error, 'everySeconds');
  const cooldownError = messageFor(error, 'cooldownSeconds');
  const channelsError = messageFor(error, 'channels');

  return (
    <form onSubmit={submit} className="alert-form" noValidate aria-label={submitLabel}>
      <FormError error={error} />
      <Field
        label="Name"
        name="name"
        required
        maxLength={100}
        value={draft.name}
        error={error}
        onChange={(e) => set('name', e.target.value)}
      />
      <fieldset>
        <legend>Condition</legend>
        <div className="row">
          <SelectField
            label="Metric"
            name="metric"
            value={draft.metric}
            error={error}
            options={METRIC_OPTIONS}
            onChange={(e) => set('metric', e.target.value as Draft['metric'])}
          />
          <SelectField
            label="Comparison"
            name="comparator"
            value={draft.comparator}
            error={error}
            options={COMPARATOR_OPTIONS}
            onChange={(e) => set('comparator', e.target.value as Comparator)}
          />
          <Field
            label="Threshold"
            name="threshold"
            type="number"
            inputMode="decimal"
            required
            value={draft.threshold}
            error={error}
            onChange={(e) => set('threshold', e.target.value)}
          />
        </div>
        <div className="row">
          <div className="field">
            <label htmlFor="alert-window">Over the last (minutes)</label>
            <input
              id="alert-window"
              type="number"
              min={1}
              step={1}
              required
              value={draft.windowMinutes}
              aria-invalid={windowError ? true : undefined}
              aria-describedby={`alert-window-hint${windowError ? ' alert-window-error' : ''}`}
              onChange={(e) => set('windowMinutes', e.target.value)}
            />
            <p className="hint" id="alert-window-hint">
              From 1 minute to 30 days (43,200 minutes).
            </p>
            <FieldMessage id="alert-window-error" message={windowError} />
          </div>
        </div>
      </fieldset>
      <fieldset>
        <legend>Only events that match (optional)</legend>
        <div className="row">
          <Field
            label="Event name"
            name="filter.event"
            value={draft.filterEvent}
            error={error}
            onChange={(e) => set('filterEvent', e.target.value)}
          />
          <SelectField
            label="Event type"
            name="filter.type"
            value={draft.filterType}
            error={error}
            options={TYPE_OPTIONS}
            onChange={(e) => set('filterType', e.target.value)}
          />
          <Field
            label="Chain id"
            name="filter.chainId"
            inputMode="numeric"
            value={draft.filterChainId}
            error={error}
            onChange={(e) => set('filterChainId', e.target.value)}
          />
        </div>
      </fieldset>
      <fieldset>
        <legend>Schedule</legend>
        <div className="row">
          <div className="field">
            <label htmlFor="alert-every">Check every (seconds)</label>
            <input
              id="alert-every"
              type="number"
              min={5}
              step={1}
              value={draft.everySeconds}
              aria-invalid={everyError ? true : undefined}
              aria-describedby={`alert-every-hint${everyError ? ' alert-every-error' : ''}`}
              onChange={(e) => set('everySeconds', e.target.value)}
            />
            <p className="hint" id="alert-every-hint">
              From 5 seconds to a day.
            </p>
            <FieldMessage id="alert-every-error" message={everyError} />
          </div>
          <div className="field">
            <label htmlFor="alert-cooldown">Notify again after (minutes)</label>
            <input
              id="alert-cooldown"
              type="number"
              min={0}
              step={1}
              value={draft.cooldownMinutes}
              aria-invalid={cooldownError ? true : undefined}
              aria-describedby={`alert-cooldown-hint${cooldownError ? ' alert-cooldown-error' : ''}`}
              onChange={(e) => set('cooldownMinutes', e.target.value)}
            />
            <p className="hint" id="alert-cooldown-hint">
              While it keeps firing; a resolved alert always notifies.
            </p>
            <FieldMessage id="alert-cooldown-error" message={cooldownError} />
          </div>
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={draft.enabled} onChange={(e) => set('enabled', e.target.checked)} />
          Enabled
        </label>
      </fieldset>
      <fieldset aria-describedby={channelsError ? 'alert-channels-error' : undefined}>
        <legend>Notify</legend>
        <FieldMessage id="alert-channels-error" message={channelsError} />
        <label className="checkbox">
          <input type="checkbox" checked={draft.inApp} onChange={(e) => set('inApp', e.target.checked)} />
          In the console inbox (every member of the organisation)
        </label>
        <Field
          label="Email addresses"
          name="emails"
          type="text"
          autoComplete="off"
          value={draft.emails}
          hint="Separate several with commas. Leave empty for none."
          onChange={(e) => set('emails', e.target.value)}
        />
        <Field
          label="Webhook URL"
          name="webhookUrl"
          type="url"
          value={draft.webhookUrl}
          hint="Optional. Each delivery is signed with the webhook's secret (HMAC-SHA256)."
          onChange={(e) => set('webhookUrl', e.target.value)}
        />
        {draft.webhookUrl && (
          <Field
            label="Webhook secret"
            name="webhookSecret"
            type="password"
            autoComplete="new-password"
            value={draft.webhookSecret}
            hint={
              draft.webhookSecretHint
                ? `The stored secret ends in ${draft.webhookSecretHint}. Leave empty to keep it.`
                : 'At least 16 characters; leave empty to have one generated.'
            }
            onChange={(e) => set('webhookSecret', e.target.value)}
          />
        )}
      </fieldset>
      <fieldset>
        <legend>Notify in chat</legend>
        <p className="muted small">Optional. Each address is kept secret: only admins and owners see it.</p>
        {CHAT_URL_FIELDS.map(({ type, label }) => (
          <Field
            key={type}
            label={label}
            name={`${type}Url`}
            type="url"
            value={draft[`${type}Url`]}
            onChange={(e) => set(`${type}Url`, e.target.value)}
          />
        ))}
        <div className="row">
          <Field
            label="Telegram bot token"
            name="telegramBotToken"
            type="password"
            autoComplete="off"
            value={draft.telegramBotToken}
            onChange={(e) => set('telegramBotToken', e.target.value)}
          />
          <Field
            label="Telegram chat id"
            name="telegramChatId"
            type="text"
            value={draft.telegramChatId}
            hint="A number, or @channelname"
            onChange={(e) => set('telegramChatId', e.target.value)}
          />
        </div>
      </fieldset>
      <div className="actions">
        <SubmitButton busy={busy}>{submitLabel}</SubmitButton>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
