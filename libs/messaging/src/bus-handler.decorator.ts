import { EventPattern, MessagePattern } from '@nestjs/microservices';
import type { BusEventSubject, BusSubject } from '@northstar/contracts';

/** Marks a method as the handler of a request/reply subject of the contract. */
export const BusHandler = (subject: BusSubject): MethodDecorator => MessagePattern(subject);

/** Marks a method as a listener of a domain event of the contract. */
export const BusEventHandler = (subject: BusEventSubject): MethodDecorator => EventPattern(subject);
