import type { BusErrorPayload } from '@northstar/contracts';
import { JSONCodec, type NatsConnection } from 'nats';

// Another service, stood in for on the real bus: requests and answers in the exact wire format of
// the platform's NATS transport (`{ pattern, data, id }` in, `{ id, response | err }` out).

export type StandInAnswer<Res> = { response: Res } | { err: BusErrorPayload };

export interface StandInResponder {
  stop(): void;
}

export async function respondOnBus<Req, Res>(
  connection: NatsConnection,
  subject: string,
  queue: string,
  answer: (request: Req) => StandInAnswer<Res>,
): Promise<StandInResponder> {
  const codec = JSONCodec<{ id?: string; data: Req }>();
  const replies = JSONCodec();
  const subscription = connection.subscribe(subject, {
    queue,
    callback: (error, message) => {
      if (error) return;
      const packet = codec.decode(message.data);
      message.respond(replies.encode({ id: packet.id, ...answer(packet.data), isDisposed: true }));
    },
  });
  // The subscription has reached the server once flush resolves: no "no responders" after this.
  await connection.flush();
  return { stop: () => subscription.unsubscribe() };
}
