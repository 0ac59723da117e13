/**
 * The signal publisher's guarantees under injected faults, against a real JetStream server: a
 * publish lost on the way (never reaching the server) cannot be overtaken by the ones after it
 * (JetStream refuses them: their expected predecessor is missing) and the publisher resumes from
 * the stream's end; a publish whose acknowledgement is lost is not stored twice; a stream that is
 * ahead of the journal is left alone. The faults are injected by wrapping the JetStream client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { createSignalPublisher } from '../../../main/federation/signal-publisher';
import { ensureStream } from '../../../main/federation/streams';
import { signalsStream } from '../../../shared/federation/streams';
import type { Signal } from '../../../shared/signals/schema';
import { startNatsCluster, type NatsCluster } from '../../helpers/nats-cluster';
import { until } from '../../helpers/until';
import { readSignalStream } from './stream-reader';

let server: NatsCluster;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
beforeAll(async () => {
  server = await startNatsCluster({ size: 1 });
  nc = await connect({ servers: server.urls });
  js = jetstream(nc, { timeout: 5000 });
  jsm = await jetstreamManager(nc);
}, 60_000);
afterAll(async () => {
  await nc?.close();
  await server?.close();
});

const T = Date.UTC(2026, 0, 1);
const journalOf = (n: number) => {
  const rows = Array.from({ length: n }, (_, i) => ({ position: i + 1, signal: { id: `s-${i + 1}`, source: 't', seq: i + 1, eventTime: T + i, receiveTime: T + i, type: 'machine.state', machine: 'M', state: 'running' } as Signal }));
  return { durablePosition: () => rows.length, read: (from: number, limit: number) => rows.slice(from - 1, from - 1 + limit) };
};

/** A JetStream client whose publish of the message with `msgID` misbehaves once. */
function faulty(fault: { msgID: string; kind: 'lost' | 'ack-lost' }): JetStreamClient {
  let done = false;
  return new Proxy(js, {
    get(target, prop, recv) {
      if (prop !== 'publish') return Reflect.get(target, prop, recv) as unknown;
      return (subject: string, data: Uint8Array, opts?: { msgID?: string }) => {
        if (!done && opts?.msgID === fault.msgID) {
          done = true;
          if (fault.kind === 'lost') return Promise.reject(new Error('injected: the message never reached the server'));
          return target.publish(subject, data, opts as never).then(() => Promise.reject(new Error('injected: the acknowledgement was lost')));
        }
        return target.publish(subject, data, opts as never);
      };
    },
  });
}

async function publishAll(site: string, n: number, client: JetStreamClient, logs: string[]) {
  await ensureStream(jsm, signalsStream(site, 1));
  const p = createSignalPublisher({ site, js: client, jsm, journal: journalOf(n), log: (l) => logs.push(l), window: 64 });
  p.start();
  try {
    expect(await p.drained(60_000)).toBe(true);
  } finally {
    await p.stop();
  }
  return readSignalStream(jsm, `TAKT_SIGNALS_${site}`);
}

describe('signal publisher under faults', () => {
  it('a lost message is not overtaken: the stream holds every position once, in order', async () => {
    const logs: string[] = [];
    const got = await publishAll('lost', 500, faulty({ msgID: 'lost:100', kind: 'lost' }), logs);
    expect(got.map((m) => m.envelope.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(logs.some((l) => /injected: the message never reached the server/.test(l))).toBe(true);
  });

  it('a lost acknowledgement does not store the message twice', async () => {
    const logs: string[] = [];
    const got = await publishAll('acklost', 300, faulty({ msgID: 'acklost:50', kind: 'ack-lost' }), logs);
    expect(got.map((m) => m.envelope.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(logs.some((l) => /injected: the acknowledgement was lost/.test(l))).toBe(true);
  });

  it('leaves a stream alone that is ahead of its journal, saying why', async () => {
    await publishAll('ahead', 20, js, []);
    const logs: string[] = [];
    const p = createSignalPublisher({ site: 'ahead', js, jsm, journal: journalOf(5), log: (l) => logs.push(l) });
    p.start();
    try {
      await until('the conflict', async () => p.status().state === 'conflict', 30_000);
      expect(p.status().lastError).toMatch(/already holds journal position 20, beyond this journal's end \(5\): another core publishes as site 'ahead'/);
      expect((await jsm.streams.info('TAKT_SIGNALS_ahead')).state.messages).toBe(20);
    } finally {
      await p.stop();
    }
  });
});
