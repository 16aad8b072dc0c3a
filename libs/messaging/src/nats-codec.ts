/**
 * The packet shape of NestJS's NATS transport: a request carries `id`, an event does not; a reply
 * carries `response` or `err`. Speaking it directly lets the client use NATS request/reply with
 * per-call timeouts and instant "no responders" detection.
 */
export interface OutgoingPacket {
  pattern: string;
  data: unknown;
  id?: string;
}

export interface IncomingReply {
  id?: string;
  response?: unknown;
  err?: unknown;
  isDisposed?: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodePacket(packet: OutgoingPacket): Uint8Array {
  return encoder.encode(JSON.stringify(packet));
}

export function decodeReply(data: Uint8Array): IncomingReply {
  return JSON.parse(decoder.decode(data)) as IncomingReply;
}
