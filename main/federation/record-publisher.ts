/**
 * Publishes the plant's business records (`takt.<site>.records.<kind>`: decisions, approvals,
 * actions, audit entries) as the store changes them, in the order they changed, each with a
 * `Nats-Msg-Id` made of site, kind, id and a hash of the record (a record that changes, such as an
 * action moving on, is published again; the same version twice is dropped by JetStream). While NATS
 * is away the changes wait in memory, in order, and go out on reconnect.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import type { RecordChange } from '../../shared/commit/records';
import { messageHash } from '../../shared/connectors/mapping';
import { FEDERATION_VERSION, type RecordEnvelope } from '../../shared/federation/messages';
import { subjects, type RecordKind } from '../../shared/federation/subjects';

export interface RecordPublisherOptions {
  site: string;
  js: JetStreamClient;
  log(line: string): void;
  /** Changes kept while NATS is away (default 100,000); past it the oldest are dropped and counted. */
  queueLimit?: number;
}

const KIND: Partial<Record<RecordChange['collection'], RecordKind>> = { decisions: 'decision', approvals: 'approval', actions: 'action', audit: 'audit' };
const encoder = new TextEncoder();

export function createRecordPublisher(o: RecordPublisherOptions) {
  const limit = o.queueLimit ?? 100_000;
  const queue: RecordEnvelope[] = [];
  let published = 0;
  let dropped = 0;
  let lastError: string | undefined;
  let pumping = false;
  let stopped = false;
  let failures = 0;

  async function pump() {
    if (pumping) return;
    pumping = true;
    try {
      while (!stopped && queue.length > 0) {
        const env = queue[0]!;
        const text = JSON.stringify(env);
        try {
          await o.js.publish(subjects.record(o.site, env.kind), encoder.encode(text), { msgID: `${o.site}:${env.kind}:${env.id}:${messageHash(text)}` });
          queue.shift();
          published++;
          failures = 0;
          lastError = undefined;
        } catch (e) {
          failures++;
          if (lastError === undefined) o.log(`nats: publishing ${env.kind} record ${env.id} failed (${(e as Error).message}); ${queue.length} records wait and are retried`);
          lastError = (e as Error).message;
          await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** Math.min(failures, 5))));
        }
      }
    } finally {
      pumping = false;
    }
  }

  return {
    /** A store change (the commit store's `onChange`); outbox entries stay local. */
    add(c: RecordChange): void {
      const kind = KIND[c.collection];
      if (!kind || stopped) return;
      queue.push({ v: FEDERATION_VERSION, site: o.site, kind, id: c.doc.id, record: c.doc } as RecordEnvelope);
      if (queue.length > limit) {
        queue.shift();
        dropped++;
      }
      void pump();
    },
    status: () => ({ published, waiting: queue.length, dropped, ...(lastError !== undefined ? { lastError } : {}) }),
    stop() {
      stopped = true;
    },
  };
}
