/**
 * When a connector may acknowledge what it pushed (MQTT's PUBACK): once the pipeline has committed
 * and delivered every signal pushed before, and once every journal write made by then is committed,
 * dead letters included. A message the core dead-letters becomes no signal, so the pipeline has
 * nothing to wait for; without the second wait its PUBACK could go out before its dead letter is on
 * disk, and a kill -9 in between would lose a message the broker has already dropped.
 */
import type { Journal } from './journal';

export function whenAckable(pipeline: { whenDurable(cb: () => void): void }, journal: Pick<Journal, 'onWritesDurable'>): (cb: () => void) => void {
  return (cb) => pipeline.whenDurable(() => journal.onWritesDurable(cb));
}
