import { Injectable } from '@nestjs/common';
import { EnsureRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { assertNever, type AlertChatUrlType, type AlertNotificationKind } from '@northstar/contracts';
import { currentRequestId } from '@northstar/observability';
import { NotificationLimits } from '../common/notification-limits';
import { SecretBox } from '../common/secret-box';
import { NotificationsConfig } from '../config';
import { EmailChannel } from '../email/email.channel';
import {
  alertEmail,
  notificationSummary,
  notificationTitle,
  webhookBody,
  webhookPayload,
  type AlertSnapshot,
  type NotificationContent,
} from './delivery.content';
import {
  Delivery,
  InAppNotification,
  type DeliveryChannelType,
  type DeliveryStatus,
} from './delivery.entities';
import type { DeliverJob } from './delivery.jobs';
import { DeliveryQueue } from './delivery.queue';
import { DeliveryRepository } from './delivery.repository';
import { InboxRepository } from './inbox.repository';
import { displayUrl, redactedUrl } from './webhook-address';
import { WebhookSender, type WebhookResult } from './webhook.sender';
import { ChatSender } from './chat.sender';
import {
  chatMessage,
  discordPayload,
  slackPayload,
  teamsPayload,
  telegramPayload,
  type ChatMessage,
} from './chat.content';

export { webhookUrlProblem } from './webhook-address';

/** Webhook secrets, chat URLs and bot tokens as the alert stores them: sealed (SecretBox). */
export type DeliveryChannel =
  | { type: 'email'; to: string }
  | { type: 'webhook'; url: string; secret: string }
  | { type: 'in_app' }
  | { type: AlertChatUrlType; url: string }
  | { type: 'telegram'; botToken: string; chatId: string };

export interface AlertNotification {
  /** Stable id of the history entry that caused this notification (uuid); deliveries derive from it. */
  notificationId: string;
  kind: AlertNotificationKind;
  orgId: string;
  projectId: string;
  alert: AlertSnapshot;
  /** The measured value (null for a test without a measurement). */
  value: number | null;
  /** ISO time of the evaluation. */
  at: string;
  channels: DeliveryChannel[];
  /**
   * Past the organisation's hourly budget: the deliveries are recorded as `suppressed` and never sent
   * (no job, no webhook secret kept).
   */
  suppressed?: boolean;
}

export interface DeliveryAttemptView {
  attempt: number;
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface DeliveryView {
  id: string;
  notificationId: string;
  channel: DeliveryChannelType;
  /**
   * Email address, webhook URL without query string, a chat URL's scheme and host and `/…`,
   * `telegram:<chatId>`, null for in-app.
   */
  target: string | null;
  status: DeliveryStatus;
  attempts: DeliveryAttemptView[];
  createdAt: string;
}

/**
 * Alert notifications through their channels. Each (notification, channel) becomes a delivery row
 * and one BullMQ job whose retries are the delivery's attempts; every attempt is recorded.
 */
@Injectable()
export class DeliveryService {
  constructor(
    private readonly config: NotificationsConfig,
    private readonly deliveries: DeliveryRepository,
    private readonly inbox: InboxRepository,
    private readonly queue: DeliveryQueue,
    private readonly webhooks: WebhookSender,
    private readonly chats: ChatSender,
    private readonly email: EmailChannel,
    private readonly secrets: SecretBox,
    private readonly limits: NotificationLimits,
    // Read by @EnsureRequestContext: callers outside a request (the alerts' evaluation jobs) get one.
    readonly orm: MikroORM,
  ) {}

  /** Idempotent per (notificationId, channel index): calling twice creates no second delivery or job. */
  @EnsureRequestContext()
  async enqueue(notification: AlertNotification): Promise<void> {
    const content: NotificationContent = {
      kind: notification.kind,
      projectId: notification.projectId,
      alert: { ...notification.alert, filter: { ...notification.alert.filter } },
      value: notification.value,
      at: notification.at,
    };
    const rows = notification.channels.map((channel, index) => {
      const delivery = new Delivery();
      delivery.orgId = notification.orgId;
      delivery.projectId = notification.projectId;
      delivery.alertId = notification.alert.id;
      delivery.notificationId = notification.notificationId;
      delivery.channelIndex = index;
      delivery.channel = channel.type;
      delivery.kind = notification.kind;
      delivery.content = content;
      if (notification.suppressed) delivery.status = 'suppressed';
      if (channel.type === 'email') delivery.target = channel.to;
      if (channel.type === 'webhook') {
        delivery.target = displayUrl(channel.url);
        delivery.url = channel.url;
        delivery.secret = notification.suppressed ? null : channel.secret;
        delivery.body = webhookBody(webhookPayload(delivery.id, content, this.config.PUBLIC_URL));
      }
      if (isChat(channel)) this.prepareChat(delivery, channel, content, notification.suppressed === true);
      return delivery;
    });
    await this.deliveries.insertNew(rows);
    // Jobs for every delivery still pending, not only the new ones: when an earlier call stored the
    // rows and then failed to reach Redis, this one adds the missing jobs (an existing job is kept).
    const pending = await this.deliveries.findPendingOfNotification(
      notification.orgId,
      notification.notificationId,
    );
    const requestId = currentRequestId();
    await this.queue.addAll(
      pending.map((delivery) => ({
        orgId: delivery.orgId,
        deliveryId: delivery.id,
        ...(requestId ? { requestId } : {}),
      })),
    );
  }

  /**
   * A chat delivery keeps its destination (URL or bot token) sealed in `secret`, erased like a webhook
   * secret once the delivery is final, and never in `url` or `target`: the history shows the URL's host
   * only (`https://hooks.slack.com/…`), or `telegram:<chatId>`. The body is rendered now, so a retry
   * sends what was true at the time.
   */
  private prepareChat(
    delivery: Delivery,
    channel: ChatChannel,
    content: NotificationContent,
    suppressed: boolean,
  ): void {
    const message = chatMessage(content, this.config.PUBLIC_URL);
    if (channel.type === 'telegram') {
      delivery.target = `telegram:${channel.chatId}`;
      delivery.secret = suppressed ? null : channel.botToken;
    } else {
      delivery.target = redactedUrl(this.openOrEmpty(channel.url));
      delivery.secret = suppressed ? null : channel.url;
    }
    delivery.body = JSON.stringify(chatPayload(channel, message));
  }

  // Unreadable (sealed under another WEBHOOK_SECRETS_KEY): the delivery is still made, and fails
  // with the reason when it is sent, rather than the whole notification failing here.
  private openOrEmpty(sealed: string): string {
    try {
      return this.secrets.open(sealed);
    } catch {
      return '';
    }
  }

  /** The deliveries of these notifications (all of org `orgId`), attempts oldest first. */
  @EnsureRequestContext()
  async listForNotifications(orgId: string, notificationIds: string[]): Promise<DeliveryView[]> {
    const found = await this.deliveries.listForNotifications(orgId, [...new Set(notificationIds)]);
    return found.map(({ delivery, attempts }) => ({
      id: delivery.id,
      notificationId: delivery.notificationId,
      channel: delivery.channel,
      target: delivery.target,
      status: delivery.status,
      attempts: attempts.map((attempt) => ({
        attempt: attempt.attempt,
        at: attempt.at.toISOString(),
        statusCode: attempt.statusCode,
        error: attempt.error,
        durationMs: attempt.durationMs,
      })),
      createdAt: delivery.createdAt.toISOString(),
    }));
  }

  /** Removes deliveries/attempts/in-app notifications of these alerts (alert or project deleted). */
  @EnsureRequestContext()
  async deleteForAlerts(orgId: string, alertIds: string[]): Promise<void> {
    const ids = [...new Set(alertIds)];
    const pending = await this.deliveries.deleteForAlerts(orgId, ids);
    await this.inbox.deleteForAlerts(orgId, ids);
    await this.queue.removeWaiting(pending);
  }

  /**
   * One attempt of a delivery (the worker's job). Records it; throws when it failed and attempts
   * remain, so that BullMQ retries it after the backoff; marks the delivery failed after the last.
   * A chat destination past its pace throws DestinationBusyError instead, before any attempt.
   */
  @EnsureRequestContext()
  async attempt(job: DeliverJob, attempt: number, isLast: boolean): Promise<void> {
    const delivery = await this.deliveries.findDelivery(job.orgId, job.deliveryId);
    // Deleted with its alert, or already settled by an earlier run of this job: nothing to do.
    if (!delivery || delivery.status !== 'pending') return;
    if (isChatDelivery(delivery.channel)) {
      // Paced per destination before anything is sent or recorded: waiting uses no attempt.
      const waitMs = await this.limits.chatDestinationWait(
        `${delivery.channel}\n${this.openOrEmpty(delivery.secret ?? '')}\n${delivery.target ?? ''}`,
      );
      if (waitMs > 0) throw new DestinationBusyError(waitMs);
    }
    const startedAt = new Date();
    const started = performance.now();
    const result = await this.send(delivery);
    const status: DeliveryStatus = result.ok ? 'delivered' : isLast ? 'failed' : 'pending';
    await this.deliveries.recordAttempt(
      delivery.orgId,
      delivery.id,
      {
        attempt,
        at: startedAt,
        statusCode: result.statusCode,
        error: result.error,
        durationMs: Math.round(performance.now() - started),
      },
      status,
    );
    if (!result.ok) {
      const message = `${delivery.channel} delivery failed: ${result.error ?? 'unknown error'}`;
      throw result.retryAfterMs === undefined
        ? new Error(message)
        : new RetryAfterError(message, result.retryAfterMs);
    }
  }

  private async send(delivery: Delivery): Promise<WebhookResult> {
    try {
      switch (delivery.channel) {
        case 'webhook':
          return await this.webhooks.send({
            url: delivery.url ?? '',
            deliveryId: delivery.id,
            secret: this.secrets.open(delivery.secret ?? ''),
            body: delivery.body ?? '',
          });
        case 'email':
          await this.email.send({
            to: delivery.target ?? '',
            kind: `alert-${delivery.kind}`,
            ...alertEmail(delivery.content, this.config.PUBLIC_URL),
          });
          return { ok: true, statusCode: null, error: null };
        case 'in_app':
          await this.inbox.insertOnce(inAppNotification(delivery));
          return { ok: true, statusCode: null, error: null };
        case 'slack':
        case 'teams':
        case 'discord':
        case 'telegram': {
          const destination = this.openOrEmpty(delivery.secret ?? '');
          if (destination === '') return { ok: false, statusCode: null, error: UNREADABLE_DESTINATION };
          return await this.chats.send({ type: delivery.channel, destination, body: delivery.body ?? '' });
        }
        default:
          return assertNever(delivery.channel, 'delivery channel');
      }
    } catch (error) {
      // The worker logs the failure with the attempt count.
      const message = (error as Partial<Error> | null)?.message;
      return { ok: false, statusCode: null, error: message ? String(message) : String(error) };
    }
  }
}

const UNREADABLE_DESTINATION =
  "the channel's URL or bot token cannot be unsealed (WEBHOOK_SECRETS_KEY changed?): set the channel again";

type ChatChannel = Extract<DeliveryChannel, { type: AlertChatUrlType | 'telegram' }>;

function isChat(channel: DeliveryChannel): channel is ChatChannel {
  return (
    channel.type === 'slack' ||
    channel.type === 'teams' ||
    channel.type === 'discord' ||
    channel.type === 'telegram'
  );
}

function chatPayload(channel: ChatChannel, message: ChatMessage): unknown {
  switch (channel.type) {
    case 'slack':
      return slackPayload(message);
    case 'teams':
      return teamsPayload(message);
    case 'discord':
      return discordPayload(message);
    case 'telegram':
      return telegramPayload(message, channel.chatId);
  }
}

function isChatDelivery(channel: DeliveryChannelType): channel is AlertChatUrlType | 'telegram' {
  return channel === 'slack' || channel === 'teams' || channel === 'discord' || channel === 'telegram';
}

/**
 * Not an attempt: the chat destination had its share of messages for now (NotificationLimits), so the
 * worker puts the job back for `waitMs`, without counting an attempt.
 */
export class DestinationBusyError extends Error {
  constructor(readonly waitMs: number) {
    super(`the destination's share of messages is spent for ${waitMs} ms`);
    this.name = 'DestinationBusyError';
  }
}

/**
 * A failed attempt whose receiver asked to wait (429 with Retry-After): the worker's backoff waits at
 * least `retryAfterMs` before the next one.
 */
export class RetryAfterError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
    this.name = 'RetryAfterError';
  }
}

function inAppNotification(delivery: Delivery): InAppNotification {
  const notification = new InAppNotification();
  notification.id = delivery.notificationId;
  notification.orgId = delivery.orgId;
  notification.projectId = delivery.projectId;
  notification.alertId = delivery.alertId;
  notification.kind = delivery.kind;
  notification.title = notificationTitle(delivery.content);
  notification.body = notificationSummary(delivery.content);
  notification.value = delivery.content.value;
  return notification;
}
