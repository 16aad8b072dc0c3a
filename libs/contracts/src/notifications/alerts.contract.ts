import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { plainToInstance, Transform, Type, type ClassConstructor } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { IsName } from '../common/name';
import { IsEmailAddress } from '../common/email';
import {
  EventFilter,
  IsAlertMetric,
  TIMESERIES_METRICS,
  type AlertMetric,
} from '../analytics/analytics.contract';
import { METRIC_AGGREGATIONS, type MetricAggregation } from '../metrics/metric-aggregations';
import { Actor } from '../common/actor';
import { PageQuery, PageResponse } from '../common/pagination';
import { trim } from '../common/transforms';
import type { Rpc } from '../rpc';
import { DeletedResponse } from '../chains/chains.contract';
import { ALERT_NOTIFICATION_KINDS, type AlertNotificationKind } from './inbox.contract';

/**
 * Request/reply subjects of alert rules (notifications service). Every command carries the acting
 * user; notifications asks tenancy (`alerts:manage` to change or test, `alerts:read` to read) and
 * answers `not_found` for alerts of an organisation the actor is not a member of.
 */
export const AlertsSubjects = {
  create: 'notifications.alert.create',
  list: 'notifications.alert.list',
  get: 'notifications.alert.get',
  update: 'notifications.alert.update',
  delete: 'notifications.alert.delete',
  history: 'notifications.alert.history',
  test: 'notifications.alert.test',
} as const;

export const ALERT_COMPARATORS = ['gt', 'gte', 'lt', 'lte'] as const;
export type AlertComparator = (typeof ALERT_COMPARATORS)[number];

export const ALERT_STATES = ['ok', 'firing'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const ALERT_CHANNEL_TYPES = [
  'email',
  'webhook',
  'in_app',
  'slack',
  'teams',
  'discord',
  'telegram',
] as const;
export type AlertChannelType = (typeof ALERT_CHANNEL_TYPES)[number];

/** The chat services whose channel is one incoming-webhook URL. */
export const ALERT_CHAT_URL_TYPES = ['slack', 'teams', 'discord'] as const;
export type AlertChatUrlType = (typeof ALERT_CHAT_URL_TYPES)[number];

/** A Telegram bot token as BotFather gives it: the bot's id, a colon, and the secret part. */
export const TELEGRAM_BOT_TOKEN_PATTERN = /^\d+:[A-Za-z0-9_-]{30,}$/;
/** A Telegram chat: its numeric id (negative for groups and channels) or a public `@channelname`. */
export const TELEGRAM_CHAT_ID_PATTERN = /^(?:-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$/;
export const MAX_TELEGRAM_BOT_TOKEN_LENGTH = 128;

export const MIN_ALERT_WINDOW_SECONDS = 60;
export const MAX_ALERT_WINDOW_SECONDS = 30 * 86_400;
export const MIN_ALERT_EVERY_SECONDS = 5;
export const MAX_ALERT_EVERY_SECONDS = 86_400;
export const DEFAULT_ALERT_EVERY_SECONDS = 60;
export const MAX_ALERT_COOLDOWN_SECONDS = 30 * 86_400;
export const DEFAULT_ALERT_COOLDOWN_SECONDS = 3600;
export const MAX_ALERT_CHANNELS = 10;
export const MAX_WEBHOOK_URL_LENGTH = 2048;
export const MIN_WEBHOOK_SECRET_LENGTH = 16;
export const MAX_WEBHOOK_SECRET_LENGTH = 256;

function apply(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, property) => decorators.forEach((decorate) => decorate(target, property));
}

// ---------------------------------------------------------------------------------------------
// Channels: a union told apart by `type`; each member is validated as its own class, so the errors
// name the field of the channel that is wrong (`channels.1.url`).

/** What every channel has; an unknown `type` is validated as this class and fails on `type`. */
export class AlertChannelInput {
  @ApiProperty({ enum: ALERT_CHANNEL_TYPES })
  @IsIn(ALERT_CHANNEL_TYPES, { message: `type must be one of ${ALERT_CHANNEL_TYPES.join(', ')}` })
  type!: AlertChannelType;
}

export class AlertEmailChannelInput extends AlertChannelInput {
  @ApiProperty({ enum: ['email'] })
  override type!: 'email';

  @ApiProperty({ format: 'email', maxLength: 254, example: 'oncall@example.com' })
  @Transform(trim)
  @IsString()
  @MaxLength(254)
  @IsEmailAddress({ message: 'to must be an email address' })
  to!: string;
}

export class AlertWebhookChannelInput extends AlertChannelInput {
  @ApiProperty({ enum: ['webhook'] })
  override type!: 'webhook';

  @ApiProperty({
    format: 'uri',
    maxLength: MAX_WEBHOOK_URL_LENGTH,
    example: 'https://hooks.example.com/northstar',
    description:
      'http(s), without credentials. Private, loopback and link-local addresses (also after DNS ' +
      'resolution) are refused unless the platform allows them (`WEBHOOK_ALLOW_PRIVATE`).',
  })
  @IsString()
  @MaxLength(MAX_WEBHOOK_URL_LENGTH)
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'url must be an http(s) URL' },
  )
  url!: string;

  @ApiPropertyOptional({
    minLength: MIN_WEBHOOK_SECRET_LENGTH,
    maxLength: MAX_WEBHOOK_SECRET_LENGTH,
    description:
      'Signs every delivery twice. `X-Northstar-Signature: sha256=<hex>` is the HMAC-SHA256 of the body ' +
      'keyed by this string. `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64>` ' +
      '(Standard Webhooks: the HMAC-SHA256 of `<id>.<timestamp>.<body>`) are keyed by the bytes after ' +
      '`whsec_` when the secret is `whsec_` and base64, so that Standard Webhooks libraries take it as ' +
      'it is, else by this string. Absent: one is generated (`whsec_` and 32 random bytes in base64) ' +
      'and returned once, in the answer that creates or changes the alert.',
  })
  @IsOptional()
  @IsString()
  @MinLength(MIN_WEBHOOK_SECRET_LENGTH)
  @MaxLength(MAX_WEBHOOK_SECRET_LENGTH)
  secret?: string;
}

export class AlertInAppChannelInput extends AlertChannelInput {
  @ApiProperty({ enum: ['in_app'], description: "Every member of the project's organisation sees it" })
  override type!: 'in_app';
}

const CHAT_URL_DESCRIPTION: Record<AlertChatUrlType, string> = {
  slack: 'A Slack incoming webhook URL (`https://hooks.slack.com/services/…`).',
  teams:
    'The URL of a Teams Workflows webhook ("When a Teams webhook request is received", usually on ' +
    '`*.logic.azure.com` or `*.powerplatform.com`); any public https URL is accepted. It gets an Adaptive Card.',
  discord: 'A Discord webhook URL (`https://discord.com/api/webhooks/<id>/<token>`); it gets an embed.',
};

/** Secret like a webhook's: sealed at rest, shown in full to admins and owners only. */
const ChatUrl = (type: AlertChatUrlType) =>
  apply(
    ApiProperty({
      format: 'uri',
      maxLength: MAX_WEBHOOK_URL_LENGTH,
      description:
        `${CHAT_URL_DESCRIPTION[type]} https only in production, without credentials; private, loopback and ` +
        'link-local addresses are refused like webhook URLs. A secret: stored sealed, shown in full to ' +
        'admins and owners only, redacted in the history.',
    }),
    IsString(),
    MaxLength(MAX_WEBHOOK_URL_LENGTH),
    IsUrl(
      { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
      { message: 'url must be an http(s) URL' },
    ),
  );

export class AlertSlackChannelInput extends AlertChannelInput {
  @ApiProperty({ enum: ['slack'] })
  override type!: 'slack';

  @ChatUrl('slack')
  url!: string;
}

export class AlertTeamsChannelInput extends AlertChannelInput {
  @ApiProperty({ enum: ['teams'] })
  override type!: 'teams';

  @ChatUrl('teams')
  url!: string;
}

export class AlertDiscordChannelInput extends AlertChannelInput {
  @ApiProperty({ enum: ['discord'] })
  override type!: 'discord';

  @ChatUrl('discord')
  url!: string;
}

export class AlertTelegramChannelInput extends AlertChannelInput {
  @ApiProperty({ enum: ['telegram'], description: "Sent with the Bot API's `sendMessage`" })
  override type!: 'telegram';

  @ApiProperty({
    example: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw',
    maxLength: MAX_TELEGRAM_BOT_TOKEN_LENGTH,
    description:
      "The bot's token from BotFather. A secret: stored sealed, shown in full to admins and owners only.",
  })
  @IsString()
  @MaxLength(MAX_TELEGRAM_BOT_TOKEN_LENGTH)
  @Matches(TELEGRAM_BOT_TOKEN_PATTERN, { message: 'botToken must be a Telegram bot token (<id>:<secret>)' })
  botToken!: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'integer' }],
    example: '-1001234567890',
    description:
      'The chat to post to: its numeric id, or `@channelname` of a public channel. Answers give a string.',
  })
  // A number is taken as its decimal digits: ids of groups and channels are negative integers.
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value,
  )
  @IsString({ message: 'chatId must be an integer or @channelname' })
  @Matches(TELEGRAM_CHAT_ID_PATTERN, { message: 'chatId must be an integer or @channelname' })
  chatId!: string;
}

export type AlertChannelInputUnion =
  | AlertEmailChannelInput
  | AlertWebhookChannelInput
  | AlertInAppChannelInput
  | AlertSlackChannelInput
  | AlertTeamsChannelInput
  | AlertDiscordChannelInput
  | AlertTelegramChannelInput;

const CHANNEL_INPUTS: Record<AlertChannelType, ClassConstructor<AlertChannelInput>> = {
  email: AlertEmailChannelInput,
  webhook: AlertWebhookChannelInput,
  in_app: AlertInAppChannelInput,
  slack: AlertSlackChannelInput,
  teams: AlertTeamsChannelInput,
  discord: AlertDiscordChannelInput,
  telegram: AlertTelegramChannelInput,
};

const CHANNEL_INPUT_MODELS = [
  AlertEmailChannelInput,
  AlertWebhookChannelInput,
  AlertInAppChannelInput,
  AlertSlackChannelInput,
  AlertTeamsChannelInput,
  AlertDiscordChannelInput,
  AlertTelegramChannelInput,
];

function Channels(): PropertyDecorator {
  return apply(
    ApiProperty({
      minItems: 1,
      maxItems: MAX_ALERT_CHANNELS,
      type: 'array',
      items: {
        oneOf: CHANNEL_INPUT_MODELS.map((model) => ({ $ref: getSchemaPath(model) })),
      },
    }),
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(MAX_ALERT_CHANNELS),
    ValidateNested({ each: true }),
    // Each channel as its type's class. class-transformer's own discriminator (Type with
    // `discriminator`) reads `type` of every element and threw a TypeError on a null one, a 500;
    // here an element that is not an object stays as it is, for ValidateNested to refuse (400).
    Transform(
      ({ obj, key, options }) => {
        const raw: unknown = (obj as Record<string, unknown>)[key];
        if (!Array.isArray(raw)) return raw;
        return raw.map((element: unknown) => {
          if (typeof element !== 'object' || element === null || Array.isArray(element)) return element;
          const type: unknown = (element as { type?: unknown }).type;
          const target =
            typeof type === 'string' && Object.hasOwn(CHANNEL_INPUTS, type)
              ? CHANNEL_INPUTS[type as AlertChannelType]
              : AlertChannelInput;
          return plainToInstance(target, element, options);
        });
      },
      { toClassOnly: true },
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Bodies of the public routes.

/** The events an alert's metric counts: the filters of the analytics routes. */
export class AlertFilter extends EventFilter {}

const Metric = () => IsAlertMetric();
const Aggregation = () =>
  apply(
    IsOptional(),
    IsIn(METRIC_AGGREGATIONS, { message: `aggregation must be one of ${METRIC_AGGREGATIONS.join(', ')}` }),
  );
const METRIC_DESCRIPTION =
  `An event metric (${TIMESERIES_METRICS.join(', ')}) of the analytics time series, or \`custom:<name>\` ` +
  'for a custom metric sent with POST /v1/metrics (then `aggregation` says how its points in the window ' +
  'are combined, and `filter` does not apply)';
const METRIC_SCHEMA = {
  type: 'string',
  example: 'events',
  pattern: `^(${TIMESERIES_METRICS.join('|')}|custom:[A-Za-z0-9_.:-]{1,128})$`,
} as const;
const AGGREGATION_DESCRIPTION =
  'For a `custom:` metric (required there): sum, avg, min, max, count, p50, p95 or p99 of its points ' +
  'in the window (0 without points); not for event metrics';
const Comparator = () =>
  IsIn(ALERT_COMPARATORS, { message: `comparator must be one of ${ALERT_COMPARATORS.join(', ')}` });
const Threshold = () =>
  IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'threshold must be a finite number' });
const Seconds = (min: number, max: number) => apply(IsInt(), Min(min), Max(max));
const Filter = () =>
  apply(
    IsOptional(),
    ValidateNested(),
    Type(() => AlertFilter),
  );

@ApiExtraModels(...CHANNEL_INPUT_MODELS)
export class CreateAlertBody {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'Checkout errors' })
  @IsName()
  name!: string;

  @ApiProperty({ ...METRIC_SCHEMA, description: METRIC_DESCRIPTION })
  @Metric()
  metric!: AlertMetric;

  @ApiPropertyOptional({ enum: METRIC_AGGREGATIONS, description: AGGREGATION_DESCRIPTION })
  @Aggregation()
  aggregation?: MetricAggregation;

  @ApiPropertyOptional({ type: AlertFilter, description: 'Only the events that match' })
  @Filter()
  filter?: AlertFilter;

  @ApiProperty({
    enum: ALERT_COMPARATORS,
    description: 'The alert fires while `value <comparator> threshold`',
  })
  @Comparator()
  comparator!: AlertComparator;

  @ApiProperty({ example: 100 })
  @Threshold()
  threshold!: number;

  @ApiProperty({
    minimum: MIN_ALERT_WINDOW_SECONDS,
    maximum: MAX_ALERT_WINDOW_SECONDS,
    example: 300,
    description: 'The metric is measured over the last `windowSeconds`',
  })
  @Seconds(MIN_ALERT_WINDOW_SECONDS, MAX_ALERT_WINDOW_SECONDS)
  windowSeconds!: number;

  @ApiPropertyOptional({
    minimum: MIN_ALERT_EVERY_SECONDS,
    maximum: MAX_ALERT_EVERY_SECONDS,
    default: DEFAULT_ALERT_EVERY_SECONDS,
    description: 'How often the alert is evaluated',
  })
  @IsOptional()
  @Seconds(MIN_ALERT_EVERY_SECONDS, MAX_ALERT_EVERY_SECONDS)
  everySeconds?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_ALERT_COOLDOWN_SECONDS,
    default: DEFAULT_ALERT_COOLDOWN_SECONDS,
    description: 'While it keeps firing, the alert notifies again at most once per `cooldownSeconds`',
  })
  @IsOptional()
  @Seconds(0, MAX_ALERT_COOLDOWN_SECONDS)
  cooldownSeconds?: number;

  @ApiPropertyOptional({ default: true, description: 'A disabled alert is not evaluated' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @Channels()
  channels!: AlertChannelInputUnion[];
}

/** Absent fields stay as they are; `channels` replaces the whole list. */
@ApiExtraModels(...CHANNEL_INPUT_MODELS)
export class UpdateAlertBody {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100 })
  @IsOptional()
  @IsName()
  name?: string;

  @ApiPropertyOptional({ ...METRIC_SCHEMA, description: METRIC_DESCRIPTION })
  @IsOptional()
  @Metric()
  metric?: AlertMetric;

  @ApiPropertyOptional({
    enum: METRIC_AGGREGATIONS,
    nullable: true,
    description: `${AGGREGATION_DESCRIPTION}; null removes it (when the metric becomes an event metric)`,
  })
  @IsOptional()
  @IsIn([...METRIC_AGGREGATIONS, null], {
    message: `aggregation must be one of ${METRIC_AGGREGATIONS.join(', ')}, or null`,
  })
  aggregation?: MetricAggregation | null;

  @ApiPropertyOptional({ type: AlertFilter, description: 'Replaces the filter; `{}` removes it' })
  @Filter()
  filter?: AlertFilter;

  @ApiPropertyOptional({ enum: ALERT_COMPARATORS })
  @IsOptional()
  @Comparator()
  comparator?: AlertComparator;

  @ApiPropertyOptional()
  @IsOptional()
  @Threshold()
  threshold?: number;

  @ApiPropertyOptional({ minimum: MIN_ALERT_WINDOW_SECONDS, maximum: MAX_ALERT_WINDOW_SECONDS })
  @IsOptional()
  @Seconds(MIN_ALERT_WINDOW_SECONDS, MAX_ALERT_WINDOW_SECONDS)
  windowSeconds?: number;

  @ApiPropertyOptional({ minimum: MIN_ALERT_EVERY_SECONDS, maximum: MAX_ALERT_EVERY_SECONDS })
  @IsOptional()
  @Seconds(MIN_ALERT_EVERY_SECONDS, MAX_ALERT_EVERY_SECONDS)
  everySeconds?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_ALERT_COOLDOWN_SECONDS })
  @IsOptional()
  @Seconds(0, MAX_ALERT_COOLDOWN_SECONDS)
  cooldownSeconds?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    description:
      'Replaces every channel. A webhook sent without `secret` keeps the secret of the current webhook ' +
      'with the same URL, or gets a new generated one (returned once in this answer).',
  })
  @IsOptional()
  @Channels()
  channels?: AlertChannelInputUnion[];
}

export class ProjectAlertsParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'projectId must be a project id' })
  projectId!: string;
}

export class AlertIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'alertId must be an alert id' })
  alertId!: string;
}

// ---------------------------------------------------------------------------------------------
// Bus requests.

const Acting = () =>
  apply(
    IsDefined(),
    ValidateNested(),
    Type(() => Actor),
  );

export class CreateAlertRequest extends CreateAlertBody {
  @Acting()
  actor!: Actor;

  @IsUUID()
  projectId!: string;
}

export class ListAlertsRequest extends PageQuery {
  @Acting()
  actor!: Actor;

  @IsUUID()
  projectId!: string;
}

/** Any request about one alert and nothing else (get, delete, test). */
export class AlertRequest {
  @Acting()
  actor!: Actor;

  @IsUUID()
  alertId!: string;
}

export class UpdateAlertRequest extends UpdateAlertBody {
  @Acting()
  actor!: Actor;

  @IsUUID()
  alertId!: string;
}

export class AlertHistoryRequest extends PageQuery {
  @Acting()
  actor!: Actor;

  @IsUUID()
  alertId!: string;
}

// ---------------------------------------------------------------------------------------------
// Answers.

export class AlertEmailChannelDto {
  @ApiProperty({ enum: ['email'] })
  type!: 'email';

  @ApiProperty({ format: 'email' })
  to!: string;
}

export class AlertWebhookChannelDto {
  @ApiProperty({ enum: ['webhook'] })
  type!: 'webhook';

  @ApiProperty({
    description:
      'The full URL for those who may manage the alert (admins, owners). Others (members, viewers) see ' +
      'it redacted to scheme, host and port followed by `/…` (no user info, path, query or fragment), ' +
      "since webhook URLs often carry the receiver's token",
    example: 'https://hooks.example.com/…',
  })
  url!: string;

  @ApiProperty({ example: 'Zk3q', description: 'The last 4 characters of the secret, to recognise it' })
  secretHint!: string;

  @ApiPropertyOptional({
    description:
      'Only in the answer that generated it (create or update without a `secret`): save it now, ' +
      'later answers show `secretHint` only',
  })
  secret?: string;
}

export class AlertInAppChannelDto {
  @ApiProperty({ enum: ['in_app'] })
  type!: 'in_app';
}

const REDACTED_CHAT_URL =
  'The full URL for admins and owners; others see scheme, host and port followed by `/…` (the path ' +
  'is the token that lets anyone post to the channel)';

export class AlertSlackChannelDto {
  @ApiProperty({ enum: ['slack'] })
  type!: 'slack';

  @ApiProperty({ description: REDACTED_CHAT_URL, example: 'https://hooks.slack.com/…' })
  url!: string;
}

export class AlertTeamsChannelDto {
  @ApiProperty({ enum: ['teams'] })
  type!: 'teams';

  @ApiProperty({ description: REDACTED_CHAT_URL, example: 'https://prod-12.westeurope.logic.azure.com/…' })
  url!: string;
}

export class AlertDiscordChannelDto {
  @ApiProperty({ enum: ['discord'] })
  type!: 'discord';

  @ApiProperty({ description: REDACTED_CHAT_URL, example: 'https://discord.com/…' })
  url!: string;
}

export class AlertTelegramChannelDto {
  @ApiProperty({ enum: ['telegram'] })
  type!: 'telegram';

  @ApiProperty({
    description:
      "The full token for admins and owners; others see the bot's id followed by `:…` (the part after " +
      'the colon is what lets anyone act as the bot)',
    example: '123456789:…',
  })
  botToken!: string;

  @ApiProperty({ example: '-1001234567890' })
  chatId!: string;
}

export type AlertChannelDto =
  | AlertEmailChannelDto
  | AlertWebhookChannelDto
  | AlertInAppChannelDto
  | AlertSlackChannelDto
  | AlertTeamsChannelDto
  | AlertDiscordChannelDto
  | AlertTelegramChannelDto;

const CHANNEL_DTO_MODELS = [
  AlertEmailChannelDto,
  AlertWebhookChannelDto,
  AlertInAppChannelDto,
  AlertSlackChannelDto,
  AlertTeamsChannelDto,
  AlertDiscordChannelDto,
  AlertTelegramChannelDto,
];

@ApiExtraModels(...CHANNEL_DTO_MODELS)
export class AlertDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  projectId!: string;

  @ApiProperty({ format: 'uuid' })
  orgId!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ ...METRIC_SCHEMA, description: METRIC_DESCRIPTION })
  metric!: AlertMetric;

  @ApiProperty({ enum: METRIC_AGGREGATIONS, nullable: true, description: 'Set for a `custom:` metric' })
  aggregation!: MetricAggregation | null;

  @ApiProperty({ type: AlertFilter })
  filter!: AlertFilter;

  @ApiProperty({ enum: ALERT_COMPARATORS })
  comparator!: AlertComparator;

  @ApiProperty()
  threshold!: number;

  @ApiProperty()
  windowSeconds!: number;

  @ApiProperty()
  everySeconds!: number;

  @ApiProperty()
  cooldownSeconds!: number;

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty({
    type: 'array',
    items: {
      oneOf: CHANNEL_DTO_MODELS.map((model) => ({ $ref: getSchemaPath(model) })),
    },
  })
  channels!: AlertChannelDto[];

  @ApiProperty({
    enum: ALERT_STATES,
    description: '`firing` while the condition held at the last evaluation',
  })
  state!: AlertState;

  @ApiProperty({ type: Number, nullable: true, description: 'The value measured at the last evaluation' })
  lastValue!: number | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastEvaluatedAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class AlertListResponse extends PageResponse(AlertDto) {}

/**
 * `suppressed`: recorded, never sent, because the organisation's hourly budget of notifications
 * (`NOTIFICATIONS_PER_ORG_PER_HOUR`) was spent when the notification was made.
 */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'suppressed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export class AlertDeliveryAttemptDto {
  @ApiProperty({ example: 1 })
  attempt!: number;

  @ApiProperty({ format: 'date-time' })
  at!: string;

  @ApiProperty({ type: Number, nullable: true, description: "The receiver's HTTP status (webhooks, chats)" })
  statusCode!: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why the attempt failed, if it did' })
  error!: string | null;

  @ApiProperty({ example: 120 })
  durationMs!: number;
}

export class AlertDeliveryDto {
  @ApiProperty({ format: 'uuid', description: 'Also `X-Northstar-Delivery` of a webhook' })
  id!: string;

  @ApiProperty({ enum: ALERT_CHANNEL_TYPES })
  channel!: AlertChannelType;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'The email address, or the webhook URL without its query string (for members and viewers ' +
      'redacted like the channel: scheme, host and `/…`); a chat URL always redacted to scheme, host ' +
      'and `/…`; `telegram:<chatId>` (never the bot token); null in-app',
  })
  target!: string | null;

  @ApiProperty({
    enum: DELIVERY_STATUSES,
    description:
      "`suppressed`: not sent, the organisation's hourly budget of notifications being spent; no attempts",
  })
  status!: DeliveryStatus;

  @ApiProperty({ type: [AlertDeliveryAttemptDto], description: 'Oldest first' })
  attempts!: AlertDeliveryAttemptDto[];

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

/** One notification of the alert: it started firing, fired again after the cooldown, resolved, or a test. */
export class AlertHistoryEntryDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ALERT_NOTIFICATION_KINDS })
  kind!: AlertNotificationKind;

  @ApiProperty({ enum: ALERT_STATES, description: "The alert's state after this entry" })
  state!: AlertState;

  @ApiProperty({ type: Number, nullable: true, description: 'The measured value (null: a test without one)' })
  value!: number | null;

  @ApiProperty({ format: 'date-time' })
  at!: string;

  @ApiProperty({ type: [AlertDeliveryDto] })
  deliveries!: AlertDeliveryDto[];
}

export class AlertHistoryResponse extends PageResponse(AlertHistoryEntryDto, {
  description: 'Newest first',
}) {}

export class AlertTestResponse {
  @ApiProperty({
    format: 'uuid',
    description: 'The history entry of the test; its deliveries are in the history',
  })
  id!: string;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The value measured now (null if analytics did not answer)',
  })
  value!: number | null;

  @ApiProperty({ format: 'date-time' })
  at!: string;
}

export interface AlertsContract {
  [AlertsSubjects.create]: Rpc<CreateAlertRequest, AlertDto>;
  [AlertsSubjects.list]: Rpc<ListAlertsRequest, AlertListResponse>;
  [AlertsSubjects.get]: Rpc<AlertRequest, AlertDto>;
  [AlertsSubjects.update]: Rpc<UpdateAlertRequest, AlertDto>;
  [AlertsSubjects.delete]: Rpc<AlertRequest, DeletedResponse>;
  [AlertsSubjects.history]: Rpc<AlertHistoryRequest, AlertHistoryResponse>;
  [AlertsSubjects.test]: Rpc<AlertRequest, AlertTestResponse>;
}
