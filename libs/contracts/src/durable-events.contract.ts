import { IdentityDurableEventPayloads, type IdentityDurableEventsContract } from './identity/identity.events';
import { TenancyDurableEventPayloads, type TenancyDurableEventsContract } from './tenancy/tenancy.events';

/** Every durable domain event (JetStream, at-least-once, never lost) with its payload type. */
export type DurableEventContract = IdentityDurableEventsContract & TenancyDurableEventsContract;
export type DurableEventSubject = keyof DurableEventContract & string;
export type DurableEventPayload<E extends DurableEventSubject> = DurableEventContract[E]['payload'];

/**
 * The class-validator class of each durable event's payload: a listener gets the event only once it
 * validates against it, as a bus handler gets a request. An event that does not is dead-lettered.
 */
export const DURABLE_EVENT_PAYLOADS: {
  readonly [E in DurableEventSubject]: new () => DurableEventPayload<E>;
} = { ...IdentityDurableEventPayloads, ...TenancyDurableEventPayloads };

/** The stream of durable domain events: `domain.<event subject>`, kept a week. */
export const DOMAIN_EVENTS_STREAM = 'DOMAIN_EVENTS';
export const DOMAIN_EVENTS_SUBJECT_PREFIX = 'domain';

/**
 * Where a listening service puts an event it gives up on (invalid, or its handler kept failing):
 * `domain_dlq.<service>.<event subject>`, the original body and headers with the reason added
 * (DeadLetterHeaders, and DeadLetterHeaders.consumer naming the durable consumer).
 */
export const DOMAIN_EVENTS_DLQ_STREAM = 'DOMAIN_EVENTS_DLQ';
export const DOMAIN_EVENTS_DLQ_SUBJECT_PREFIX = 'domain_dlq';

/** The subject a durable event is published on. */
export function domainEventSubject(subject: string): string {
  return `${DOMAIN_EVENTS_SUBJECT_PREFIX}.${subject}`;
}

/** The dead-letter subject of `service`'s listener of `subject`. */
export function domainDeadLetterSubject(service: string, subject: string): string {
  return `${DOMAIN_EVENTS_DLQ_SUBJECT_PREFIX}.${service}.${subject}`;
}
