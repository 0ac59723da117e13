/**
 * A protocol client for e2e tests and benchmarks over the real /ws, and a helper that stamps
 * canonical signals with the core's plant time so they are applied at once.
 */
import type { ProtocolClient } from '../../shared/protocol/client';
import { connectProtocolClient } from '../../main/core/hosts/browser/ws-transport';

export const connectClient = (wsUrl: string): Promise<ProtocolClient & { close(): void }> => connectProtocolClient(wsUrl, 30_000);

/** Makes signals from one source with increasing seq, stamped at the core's current plant time. */
export async function signalMaker(client: ProtocolClient, source: string) {
  let seq = 0;
  // Plant time runs `speed` times faster than real time: extrapolate from one reading, so signals
  // are stamped at the core's present (state-setting signals behind its watermark are refused).
  const info = await client.call('core.info');
  let ref = { plant: info.clock.now, real: Date.now() };
  const speed = info.clock.speed;
  return {
    /** Re-reads the core's clock. */
    async sync() {
      const i = await client.call('core.info');
      ref = { plant: i.clock.now, real: Date.now() };
    },
    make(type: string, body: Record<string, unknown>) {
      seq++;
      // 200 ms of real time ahead: the reading is a round trip old and the simulator keeps moving the
      // watermark, so a stamp exactly at "now" can already be late for a state-setting signal.
      const t = Math.round(ref.plant + (Date.now() - ref.real + 200) * speed) + 1;
      return { id: `${source}-${seq}`, source, seq, eventTime: t, receiveTime: t, type, ...body };
    },
    async send(signals: object[]) {
      const r = await client.call('signals.ingest', { signals });
      if (r.rejected.length) throw new Error(`signals rejected: ${JSON.stringify(r.rejected.slice(0, 3))}`);
      return r;
    },
  };
}

/**
 * Re-reports states every `everyMs` (fresh ids, the core's present time), as a real MES repeats
 * machine states, until `stop()`. The embedded simulator drives the same machines and may set one
 * running again meanwhile (e.g. when its line starts the next order); tests that look at an injected
 * state keep it reported while they look.
 */
export function keepReporting(sig: Awaited<ReturnType<typeof signalMaker>>, make: () => object[], everyMs = 250): { stop(): Promise<void> } {
  let stopped = false;
  let last: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    if (stopped) return;
    last = last.then(() => (stopped ? undefined : sig.send(make()))).catch(() => undefined);
  }, everyMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await last;
    },
  };
}

