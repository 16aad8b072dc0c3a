import type { IdentityDurableEventsContract } from './identity/identity.events';
import type { TenancyDurableEventsContract } from './tenancy/tenancy.events';

/** Every durable domain event (JetStream, at-least-once, never lost) with its payload type. */
export type DurableEventContract = IdentityDurableEventsContract & TenancyDurableEventsContract;
export type DurableEventSubject = keyof DurableEventContract & string;
export type DurableEventPayload<E extends DurableEventSubject> = DurableEventContract[E]['payload'];
