import type { ChainsContract, ChainsEventsContract } from './chains/chains.contract';
import type { SystemContract } from './system/system.contract';

/** Every request/reply subject of the platform with its request and response types. */
export type BusContract = SystemContract & ChainsContract;

/** Every domain event subject with its payload type. */
export type BusEventContract = ChainsEventsContract;

export type BusSubject = keyof BusContract & string;
export type BusRequest<S extends BusSubject> = BusContract[S]['request'];
export type BusResponse<S extends BusSubject> = BusContract[S]['response'];

export type BusEventSubject = keyof BusEventContract & string;
export type BusEventPayload<E extends BusEventSubject> = BusEventContract[E]['payload'];
