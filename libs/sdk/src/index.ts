export { Analytics, VERSION, createClient, init, type ClientOptions, type Message } from './client';
export { createQueue, type EventQueue, type QueueOptions } from './queue';
export type * from './types';
