import { Secret, ServiceConfig, WithEventTokens, WithPostgres, WithRedis } from '@northstar/config';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, IsUrl, Matches, Max, Min, MinLength, ValidateIf } from 'class-validator';

export class NotificationsConfig extends WithEventTokens(WithRedis(WithPostgres(ServiceConfig))) {
  override OPS_PORT = 3107;

  /**
   * The SMTP server of outgoing email, e.g. `smtp://user:pass@smtp.example.com:587` or `smtps://…:465`.
   * Empty in development: each email is written as a file under MAIL_DIR instead. Required in
   * production, where an email nobody receives is a broken sign-up.
   */
  @Secret()
  @ValidateIf((config: NotificationsConfig) => config.SMTP_URL !== '')
  @IsUrl({ protocols: ['smtp', 'smtps'], require_protocol: true, require_tld: false })
  SMTP_URL = '';

  /** The sender of every email, `Name <address>` or a bare address. */
  @IsString()
  @MinLength(3)
  MAIL_FROM = 'Northstar <no-reply@northstar.local>';

  /**
   * Where the links in emails point (the web app, which then calls the API). Must be set in
   * production: not a secret, but its default only works on a developer's machine.
   */
  @Secret()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  PUBLIC_URL = 'http://localhost:3000';

  /** Where emails are written when SMTP_URL is not set. */
  @IsString()
  MAIL_DIR = '.data/mail';

  /** Sending attempts per email before it is given up (an SMTP outage only delays mail). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  EMAIL_ATTEMPTS = 10;

  /** The first retry waits this long; each further one twice as long as the one before. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  EMAIL_RETRY_DELAY_MS = 2000;

  /** Prefix of the BullMQ keys in Redis, so that two deployments can share one Redis. */
  @Matches(/^[A-Za-z0-9_-]{1,64}$/)
  QUEUE_PREFIX = 'northstar';

  /**
   * Whether webhooks may target private, loopback and link-local addresses (checked after DNS
   * resolution, so a public name pointing inside the network is refused too). Allowed by default in
   * development and tests, where receivers run on localhost; refused by default in production.
   */
  @IsIn(['', 'true', 'false'])
  WEBHOOK_ALLOW_PRIVATE: '' | 'true' | 'false' = '';

  /**
   * Seals the webhook signing secrets in the database (AES-256-GCM, key derived from this value): a long
   * random string, e.g. `openssl rand -base64 32`. Changing it makes the stored secrets unreadable, so
   * their webhooks fail until the alerts get new ones.
   */
  @Secret()
  @IsString()
  @MinLength(16)
  WEBHOOK_SECRETS_KEY = 'development-only-webhook-secrets-key';

  /** How long one webhook attempt may take (connect to last byte) before it counts as failed. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60_000)
  WEBHOOK_TIMEOUT_MS = 10_000;

  /**
   * The Telegram Bot API that `telegram` alert channels post to (`<url>/bot<token>/sendMessage`).
   * Only tests and self-hosted Bot API servers change it.
   */
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  TELEGRAM_API_URL = 'https://api.telegram.org';

  /**
   * Messages one chat destination (a Slack, Teams or Discord URL, a Telegram bot and chat) gets per
   * CHAT_DESTINATION_WINDOW_MS; more wait for a place, without using an attempt. Below what each
   * service allows (Telegram: 20 a minute in a group; Discord: 30 a minute per channel; Slack: about
   * one a second), so that a noisy alert does not get the destination rate-limited.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  CHAT_MESSAGES_PER_DESTINATION = 20;

  /** The sliding window of CHAT_MESSAGES_PER_DESTINATION. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  CHAT_DESTINATION_WINDOW_MS = 60_000;

  /** Attempts per alert delivery (email, webhook, in-app) before it is marked failed. */
  @Type(() => Number)
  @IsInt()
  @Min(5)
  @Max(50)
  DELIVERY_ATTEMPTS = 8;

  /** The first retry of a delivery waits this long; each further one twice as long. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  DELIVERY_RETRY_DELAY_MS = 5000;

  /** Test notifications (`POST /v1/alerts/:id/test`) one user may send in any hour; then 429. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  ALERT_TEST_SENDS_PER_USER_PER_HOUR = 10;

  /** Test notifications one organisation's members may send together in any hour; then 429. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  ALERT_TEST_SENDS_PER_ORG_PER_HOUR = 30;

  /**
   * Notifications (each through all of its alert's channels) one organisation's alerts may send per
   * clock hour, tests included; past it they are recorded in the history as suppressed, not sent.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  NOTIFICATIONS_PER_ORG_PER_HOUR = 200;

  /** Whether private webhook targets are allowed, resolving the production-dependent default. */
  webhookAllowPrivate(): boolean {
    if (this.WEBHOOK_ALLOW_PRIVATE === '') return this.NODE_ENV !== 'production';
    return this.WEBHOOK_ALLOW_PRIVATE === 'true';
  }
}
