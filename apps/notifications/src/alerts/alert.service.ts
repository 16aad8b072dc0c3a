import { Injectable, Logger } from '@nestjs/common';
import {
  AlertsSubjects,
  cursorCodec,
  cursorFields,
  customMetricName,
  DEFAULT_ALERT_COOLDOWN_SECONDS,
  DEFAULT_ALERT_EVERY_SECONDS,
  pageLimit,
  toPage,
  DomainException,
  METRIC_AGGREGATIONS,
  type Actor,
  type AlertChannelInputUnion,
  type AlertDeliveryDto,
  type AlertDto,
  type AlertHistoryRequest,
  type AlertHistoryResponse,
  type AlertListResponse,
  type AlertRequest,
  type AlertTestResponse,
  type CreateAlertRequest,
  type DeletedResponse,
  type FieldError,
  type ListAlertsRequest,
  type ProjectDeletedEvent,
  type UpdateAlertRequest,
} from '@northstar/contracts';
import { NotificationLimits } from '../common/notification-limits';
import { SecretBox } from '../common/secret-box';
import { NotificationsConfig } from '../config';
import { DeliveryService, webhookUrlProblem } from '../delivery/delivery.service';
import { chatUrlProblem } from '../delivery/chat-address';
import { redactedUrl } from '../delivery/webhook-address';
import { AlertAccess } from './alert-access';
import { resolveChannels } from './alert-channels';
import { AlertEvent } from './alert-event.entity';
import { AlertMeasure } from './alert-measure';
import { AlertNotifier } from './alert-notifier';
import { AlertRecipients } from './alert-recipients';
import { AlertScheduler } from './alert-scheduler';
import { Alert, type StoredAlertFilter } from './alert.entity';
import { toAlertDto, toHistoryEntryDto } from './alert.mapper';
import { AlertRepository, type PagePosition } from './alert.repository';

// Alerts and their history are listed newest first, by a time and then id; each list has its own.
const alertsCursor = cursorCodec<PagePosition>(AlertsSubjects.list, {
  at: cursorFields.time,
  id: cursorFields.uuid,
});
const historyCursor = cursorCodec<PagePosition>(AlertsSubjects.history, {
  at: cursorFields.time,
  id: cursorFields.uuid,
});

/** The rules of alerts: creating, reading, changing, deleting and testing them, per project. */
@Injectable()
export class AlertService {
  private readonly logger = new Logger(AlertService.name);

  constructor(
    private readonly alerts: AlertRepository,
    private readonly access: AlertAccess,
    private readonly scheduler: AlertScheduler,
    private readonly measure: AlertMeasure,
    private readonly notifier: AlertNotifier,
    private readonly delivery: DeliveryService,
    private readonly config: NotificationsConfig,
    private readonly secrets: SecretBox,
    private readonly limits: NotificationLimits,
    private readonly recipients: AlertRecipients,
  ) {}

  private readonly seal = (secret: string): string => this.secrets.seal(secret);
  // A chat destination sealed under another WEBHOOK_SECRETS_KEY cannot be shown, but the alert still
  // can: its deliveries fail with the reason, as a webhook's do.
  private readonly open = (sealed: string): string => {
    try {
      return this.secrets.open(sealed);
    } catch {
      return '…';
    }
  };

  async create(request: CreateAlertRequest): Promise<AlertDto> {
    const grant = await this.access.toProject(request.actor, request.projectId, 'alerts:manage');
    await this.recipients.assertVerified(request.actor);
    await this.assertChannels(request.actor, grant.orgId, request.channels);
    const alert = new Alert();
    alert.orgId = grant.orgId;
    alert.projectId = request.projectId;
    alert.name = request.name;
    alert.metric = request.metric;
    alert.aggregation = request.aggregation ?? null;
    alert.filter = filterOf(request.filter);
    assertMetricShape(alert);
    alert.comparator = request.comparator;
    alert.threshold = request.threshold;
    alert.windowSeconds = request.windowSeconds;
    alert.everySeconds = request.everySeconds ?? DEFAULT_ALERT_EVERY_SECONDS;
    alert.cooldownSeconds = request.cooldownSeconds ?? DEFAULT_ALERT_COOLDOWN_SECONDS;
    alert.enabled = request.enabled ?? true;
    const { channels, generated } = resolveChannels(request.channels, [], this.seal);
    alert.channels = channels;
    alert.createdBy = request.actor.userId;
    await this.alerts.save(alert);
    // After the commit: a schedule never exists for an alert that was not saved.
    await this.applySchedule(alert);
    return toAlertDto(alert, true, this.open, generated);
  }

  async list(request: ListAlertsRequest): Promise<AlertListResponse> {
    const after = alertsCursor.decodeOptional(request.cursor);
    const grant = await this.access.toProject(request.actor, request.projectId, 'alerts:read');
    const limit = pageLimit(request.limit);
    const page = await this.alerts.listForProject(grant.orgId, request.projectId, after, limit + 1);
    const reveal = await this.access.mayManage(request.actor, request.projectId);
    return toPage(
      page,
      limit,
      alertsCursor,
      (alert) => ({ at: alert.createdAt, id: alert.id }),
      (alert) => toAlertDto(alert, reveal, this.open),
    );
  }

  async get(request: AlertRequest): Promise<AlertDto> {
    const alert = await this.access.toAlert(request.actor, request.alertId, 'alerts:read');
    return toAlertDto(alert, await this.access.mayManage(request.actor, alert.projectId), this.open);
  }

  async update(request: UpdateAlertRequest): Promise<AlertDto> {
    const alert = await this.access.toAlert(request.actor, request.alertId, 'alerts:manage');
    let generated = new Map<number, string>();
    if (request.channels !== undefined) {
      await this.assertChannels(request.actor, alert.orgId, request.channels);
      const resolved = resolveChannels(request.channels, alert.channels, this.seal);
      alert.channels = resolved.channels;
      generated = resolved.generated;
    }
    if (request.name !== undefined) alert.name = request.name;
    if (request.metric !== undefined) alert.metric = request.metric;
    if (request.aggregation !== undefined) alert.aggregation = request.aggregation;
    if (request.filter !== undefined) alert.filter = filterOf(request.filter);
    assertMetricShape(alert);
    if (request.comparator !== undefined) alert.comparator = request.comparator;
    if (request.threshold !== undefined) alert.threshold = request.threshold;
    if (request.windowSeconds !== undefined) alert.windowSeconds = request.windowSeconds;
    if (request.everySeconds !== undefined) alert.everySeconds = request.everySeconds;
    if (request.cooldownSeconds !== undefined) alert.cooldownSeconds = request.cooldownSeconds;
    if (request.enabled !== undefined) alert.enabled = request.enabled;
    await this.alerts.save(alert);
    await this.applySchedule(alert);
    return toAlertDto(alert, true, this.open, generated);
  }

  /** Deletes the alert, its history, its deliveries and its schedule. */
  async delete(request: AlertRequest): Promise<DeletedResponse> {
    const alert = await this.access.toAlert(request.actor, request.alertId, 'alerts:manage');
    await this.scheduler.unschedule(alert.id);
    await this.delivery.deleteForAlerts(alert.orgId, [alert.id]);
    // Last: until here a failure leaves the alert in place, and deleting it again finishes the job.
    await this.alerts.delete(alert.orgId, alert.id);
    return { deleted: true };
  }

  async history(request: AlertHistoryRequest): Promise<AlertHistoryResponse> {
    const after = historyCursor.decodeOptional(request.cursor);
    const alert = await this.access.toAlert(request.actor, request.alertId, 'alerts:read');
    const limit = pageLimit(request.limit);
    const page = await this.alerts.listEvents(alert.orgId, alert.id, after, limit + 1);
    const items = page.slice(0, limit);
    const deliveries = await this.delivery.listForNotifications(
      alert.orgId,
      items.map((entry) => entry.id),
    );
    const reveal = await this.access.mayManage(request.actor, alert.projectId);
    const byEntry = new Map<string, AlertDeliveryDto[]>();
    for (const { notificationId, ...shown } of deliveries) {
      // A webhook's path may hold the receiver's token: shown to those who may manage the alert only.
      const delivery =
        shown.channel === 'webhook' && !reveal && shown.target !== null
          ? { ...shown, target: redactedUrl(shown.target) }
          : shown;
      byEntry.set(notificationId, [...(byEntry.get(notificationId) ?? []), delivery]);
    }
    return toPage(
      page,
      limit,
      historyCursor,
      (entry) => ({ at: entry.at, id: entry.id }),
      (entry) => toHistoryEntryDto(entry, byEntry.get(entry.id) ?? []),
    );
  }

  /**
   * Sends a test notification through every channel, with the value measured now when analytics
   * answers (a test must work while analytics is down too). The alert's state does not change.
   * Limited per user and per organisation and hour (429); it counts against the organisation's
   * budget of notifications like any other.
   */
  async test(request: AlertRequest): Promise<AlertTestResponse> {
    const alert = await this.access.toAlert(request.actor, request.alertId, 'alerts:manage');
    await this.limits.hitTestSend(alert.orgId, request.actor.userId);
    const at = new Date();
    let value: number | null = null;
    try {
      value = await this.measure.valueOf(alert, at);
    } catch (error) {
      this.logger.warn(`Testing alert ${alert.id} without a value: ${(error as Error).message}`);
    }
    const entry = new AlertEvent();
    entry.orgId = alert.orgId;
    entry.alertId = alert.id;
    entry.kind = 'test';
    entry.state = alert.state;
    entry.value = value;
    entry.at = at;
    await this.alerts.addEvent(entry);
    await this.notifier.notify(alert, entry);
    return { id: entry.id, value, at: at.toISOString() };
  }

  /** A deleted project's alerts go, with their history, deliveries and schedules. Idempotent. */
  async deleteProject(event: ProjectDeletedEvent): Promise<void> {
    const { orgId, projectId } = event;
    const ids = await this.alerts.idsOfProject(orgId, projectId);
    for (const id of ids) await this.scheduler.unschedule(id);
    if (ids.length > 0) await this.delivery.deleteForAlerts(orgId, ids);
    await this.alerts.deleteProject(orgId, projectId);
    if (ids.length > 0) this.logger.log(`Deleted ${ids.length} alert(s) of deleted project ${projectId}`);
  }

  private async applySchedule(alert: Alert): Promise<void> {
    if (alert.enabled) await this.scheduler.schedule(alert);
    else await this.scheduler.unschedule(alert.id);
  }

  /**
   * 400 naming each channel field that is wrong: webhook and chat URLs, and email recipients
   * (AlertRecipients).
   */
  private async assertChannels(
    actor: Actor,
    orgId: string,
    channels: AlertChannelInputUnion[],
  ): Promise<void> {
    const allowPrivate = this.config.webhookAllowPrivate();
    const chatRules = { allowPrivate, httpsOnly: this.config.NODE_ENV === 'production' };
    const problems = await Promise.all(
      channels.map(async (channel, index) => {
        const field = `channels.${index}.url`;
        switch (channel.type) {
          case 'webhook':
            return { field, message: await webhookUrlProblem(channel.url, allowPrivate) };
          case 'slack':
          case 'teams':
          case 'discord':
            return { field, message: await chatUrlProblem(channel.type, channel.url, chatRules) };
          default:
            return null;
        }
      }),
    );
    const errors: FieldError[] = [
      ...problems.filter(
        (problem): problem is { field: string; message: string } =>
          problem !== null && problem.message !== null,
      ),
      ...(await this.recipients.problems(actor, orgId, channels)),
    ];
    if (errors.length > 0) throw DomainException.invalid(errors);
  }
}

/**
 * A custom metric (`custom:<name>`) needs its aggregation and takes no event filter; an event metric
 * takes no aggregation. Checked on the alert as it would be saved (an update may change either side).
 */
function assertMetricShape(alert: Alert): void {
  const custom = customMetricName(alert.metric) !== null;
  const errors: FieldError[] = [];
  if (custom && alert.aggregation === null) {
    errors.push({
      field: 'aggregation',
      message: `aggregation is required for a custom metric: one of ${METRIC_AGGREGATIONS.join(', ')}`,
    });
  }
  if (custom && Object.keys(alert.filter).length > 0) {
    errors.push({ field: 'filter', message: 'filter applies to event metrics, not to a custom metric' });
  }
  if (!custom && alert.aggregation !== null) {
    errors.push({
      field: 'aggregation',
      message: 'aggregation applies to custom metrics (custom:<name>) only',
    });
  }
  if (errors.length > 0) throw DomainException.invalid(errors);
}

function filterOf(filter: CreateAlertRequest['filter']): StoredAlertFilter {
  if (!filter) return {};
  return {
    ...(filter.event !== undefined && { event: filter.event }),
    ...(filter.type !== undefined && { type: filter.type }),
    ...(filter.chainId !== undefined && { chainId: filter.chainId }),
    ...(filter.userId !== undefined && { userId: filter.userId }),
  };
}
