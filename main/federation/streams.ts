/**
 * Creates the federation streams (shared/federation/streams.ts) or brings an existing one's limits
 * up to date. Idempotent: every core of every site calls it on connect.
 */
import type { JetStreamManager, StreamConfig } from '@nats-io/jetstream';
import { nanos, type FederationStreamConfig } from '../../shared/federation/streams';

function toJetStream(c: FederationStreamConfig): Partial<StreamConfig> & { name: string } {
  return {
    name: c.name,
    subjects: c.subjects,
    num_replicas: c.replicas,
    max_age: nanos(c.maxAgeS),
    max_msgs_per_subject: c.maxMsgsPerSubject,
    duplicate_window: nanos(c.duplicateWindowS),
  };
}

export async function ensureStream(jsm: JetStreamManager, c: FederationStreamConfig): Promise<void> {
  const want = toJetStream(c);
  let info;
  try {
    info = await jsm.streams.info(c.name);
  } catch (e) {
    if (!/not found/i.test((e as Error).message)) throw e;
  }
  if (!info) {
    await jsm.streams.add({ ...want, storage: 'file', retention: 'limits', discard: 'old' });
    return;
  }
  const have = info.config;
  const same = have.max_age === want.max_age && have.max_msgs_per_subject === want.max_msgs_per_subject && have.duplicate_window === want.duplicate_window && have.subjects.join() === want.subjects!.join();
  // The replica count is the operator's to change (a smaller test or lab cluster): it is not forced.
  if (!same) await jsm.streams.update(c.name, { ...have, ...want, num_replicas: have.num_replicas });
}
