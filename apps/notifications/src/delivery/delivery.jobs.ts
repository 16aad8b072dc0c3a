/** The BullMQ queue of alert deliveries. Job names and payloads are below; do not rename values. */
export const DELIVERY_QUEUE = 'alert-delivery';

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
