import {
  DeadLetterHeaders,
  EVENTS_DLQ_STREAM,
  EVENTS_SUBJECT_PREFIX,
  eventsDeadLetterSubject,
  isSubjectToken,
} from '@northstar/contracts';
import { headers, type JetStreamClient, type JsMsg } from 'nats';

const MAX_REASON_LENGTH = 1000;

/** The project token of `events.<projectId>`, or a placeholder for a subject that has none. */
function projectToken(subject: string): string {
  const token = subject.slice(EVENTS_SUBJECT_PREFIX.length + 1);
  return subject.startsWith(`${EVENTS_SUBJECT_PREFIX}.`) && isSubjectToken(token) ? token : '_unknown';
}

/** One event of a message holding several: its position there and its own body (one envelope). */
export interface DeadLetterPart {
  index: number;
  data: Uint8Array;
}

/**
 * Moves a message that can never be written to `events_dlq.<projectId>`: the body is the original,
 * unchanged (so it can be replayed), and the headers say why, from where and after how many
 * deliveries. With `part`, only that event of a message of several goes (its envelope as the body,
 * its index in a header), and the message's other events are written as usual. Resolves once
 * EVENTS_DLQ has stored it; only then may the caller acknowledge the original. The dead letter's id
 * is the original's stream sequence (and index), so doing it twice stores it once.
 */
export async function publishDeadLetter(
  js: JetStreamClient,
  message: JsMsg,
  reason: string,
  part?: DeadLetterPart,
): Promise<void> {
  const h = headers();
  // Headers are single-line: newlines would end the header block.
  h.set(DeadLetterHeaders.reason, reason.replace(/[\r\n]+/g, ' ').slice(0, MAX_REASON_LENGTH));
  h.set(DeadLetterHeaders.originalSubject, message.subject);
  h.set(DeadLetterHeaders.originalSequence, String(message.info.streamSequence));
  h.set(DeadLetterHeaders.deliveries, String(message.info.deliveryCount));
  h.set(DeadLetterHeaders.failedAt, new Date().toISOString());
  if (part) h.set(DeadLetterHeaders.originalIndex, String(part.index));
  const id = `dlq:${message.info.stream}:${message.info.streamSequence}`;
  await js.publish(eventsDeadLetterSubject(projectToken(message.subject)), part ? part.data : message.data, {
    headers: h,
    msgID: part ? `${id}:${part.index}` : id,
    expect: { streamName: EVENTS_DLQ_STREAM },
  });
}
