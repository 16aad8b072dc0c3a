import {
  isoTimeOrNull,
  type AlertDto,
  type AlertHistoryEntryDto,
  type AlertDeliveryDto,
} from '@northstar/contracts';
import { channelViews } from './alert-channels';
import type { AlertEvent } from './alert-event.entity';
import type { Alert } from './alert.entity';

/**
 * `reveal`: whether the reader may manage the alert, and so see its webhook and chat URLs and bot
 * tokens in full; `open` opens the sealed chat destinations (SecretBox).
 */
export function toAlertDto(
  alert: Alert,
  reveal: boolean,
  open: (sealed: string) => string,
  generatedSecrets?: Map<number, string>,
): AlertDto {
  return {
    id: alert.id,
    projectId: alert.projectId,
    orgId: alert.orgId,
    name: alert.name,
    metric: alert.metric,
    aggregation: alert.aggregation,
    filter: { ...alert.filter } as AlertDto['filter'],
    comparator: alert.comparator,
    threshold: alert.threshold,
    windowSeconds: alert.windowSeconds,
    everySeconds: alert.everySeconds,
    cooldownSeconds: alert.cooldownSeconds,
    enabled: alert.enabled,
    channels: channelViews(alert.channels, reveal, generatedSecrets, open),
    state: alert.state,
    lastValue: alert.lastValue,
    lastEvaluatedAt: isoTimeOrNull(alert.lastEvaluatedAt),
    createdAt: alert.createdAt.toISOString(),
    updatedAt: alert.updatedAt.toISOString(),
  };
}

export function toHistoryEntryDto(event: AlertEvent, deliveries: AlertDeliveryDto[]): AlertHistoryEntryDto {
  return {
    id: event.id,
    kind: event.kind,
    state: event.state,
    value: event.value,
    at: event.at.toISOString(),
    deliveries,
  };
}
