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

/**
 * A packet and the exact JSON text of its `data`, which the caller assertion signs. The receiver
 * signs over `JSON.stringify` of the data it parsed: the same text, since JSON text produced by
 * JSON.stringify survives a parse and a stringify unchanged.
 */
export function encodeSignedPacket(
  pattern: string,
  data: unknown,
  id?: string,
): { packet: Uint8Array; data: string } {
  // `undefined` has no JSON text; the transport reads an absent field as undefined anyway.
  const text = JSON.stringify(data) ?? 'null';
  // Written out rather than serialized again around the data text: the shape of OutgoingPacket.
  const json = `{"pattern":${JSON.stringify(pattern)},"data":${text}${id === undefined ? '' : `,"id":${JSON.stringify(id)}`}}`;
  return { packet: encoder.encode(json), data: text };
}

export function decodeReply(data: Uint8Array): IncomingReply {
  return JSON.parse(decoder.decode(data)) as IncomingReply;
}
