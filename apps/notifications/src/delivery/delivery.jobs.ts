/** The BullMQ queue of alert deliveries. Job names and payloads are below; do not rename values. */
export const DELIVERY_QUEUE = 'alert-delivery';

/**
 * The backoff of delivery jobs: doubling from DELIVERY_RETRY_DELAY_MS, but never shorter than a
 * receiver's Retry-After (deliveryBackoff). A custom type, so only the delivery worker computes it.
 */
export const DELIVERY_BACKOFF = 'delivery';

/** The delay before retry `attemptsMade + 1`: exponential, at least what the receiver asked for. */
export function deliveryBackoff(attemptsMade: number, firstDelayMs: number, retryAfterMs?: number): number {
  const exponential = Math.round(2 ** Math.max(0, attemptsMade - 1) * firstDelayMs);
  return retryAfterMs === undefined ? exponential : Math.max(exponential, retryAfterMs);
}

export enum DeliveryJobName {
  Deliver = 'deliver',
}

/**
 * A job names its delivery and nothing else: the row holds the target, the body and the webhook
 * secret, so no secret sits in Redis.
 */
export interface DeliverJob {
  orgId: string;
  deliveryId: string;
  /** Of the request that caused the notification, so the worker's log lines join it. */
  requestId?: string;
}

export interface DeliveryJobPayloads {
  [DeliveryJobName.Deliver]: DeliverJob;
}

export type DeliveryJobData = DeliveryJobPayloads[DeliveryJobName];

/** One job per delivery: adding it again while it waits or runs does nothing. */
export function deliveryJobId(deliveryId: string): string {
  return `delivery-${deliveryId}`;
}
