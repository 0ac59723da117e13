/**
 * Once the canonical machine.state enum has 'unknown' (see the note in shared/connectors/sparkplug.ts),
 * NDEATH/DDEATH also emit machine.state 'unknown' for the stale machines. The enum is extended here
 * with a module mock, so this path is proven before the schema changes.
 */
import { describe, expect, it, vi } from 'vitest';

vi.mock('../../../shared/signals/schema', async (orig) => {
  const real = await orig<typeof import('../../../shared/signals/schema')>();
  return { ...real, machineStates: [...real.machineStates, 'unknown'] };
});

const { createSparkplugHost, parseSparkplugTopic } = await import('../../../shared/connectors/sparkplug');

const T = 1_767_250_000_000;
const topic = (s: string) => {
  const t = parseSparkplugTopic(s);
  if (typeof t === 'string' || t.kind !== 'node') throw new Error(String(t));
  return t;
};

describe('Sparkplug death with an unknown machine state', () => {
  it('emits machine.state unknown for a dead device and for every device of a dead node', () => {
    const h = createSparkplugHost({ machines: {}, stateMetric: 'Machine/State', goodMetric: 'G', scrapMetric: 'S', stateValues: {}, counters: 'total', rebirthEveryMs: 0, source: 'spb' });
    h.handle(topic('spBv1.0/g/NBIRTH/n'), { seq: 0, metrics: [{ name: 'bdSeq', value: 5 }] }, T);
    h.handle(topic('spBv1.0/g/DBIRTH/n/L1-M1'), { seq: 1, metrics: [{ name: 'Machine/State', value: 'running' }] }, T);
    h.handle(topic('spBv1.0/g/DBIRTH/n/L1-M2'), { seq: 2, metrics: [{ name: 'Machine/State', value: 'idle' }] }, T);
    const dd = h.handle(topic('spBv1.0/g/DDEATH/n/L1-M1'), { seq: 3, timestamp: T + 1 }, T + 1);
    expect(dd.signals).toEqual([expect.objectContaining({ type: 'machine.state', machine: 'L1-M1', state: 'unknown', reason: 'Sparkplug DDEATH', eventTime: T + 1 })]);
    const nd = h.handle(topic('spBv1.0/g/NDEATH/n'), { timestamp: T + 2, metrics: [{ name: 'bdSeq', value: 5 }] }, T + 2);
    // L1-M1 is already stale and the node itself reported no machine state: only L1-M2 goes unknown now.
    expect(nd.signals.map((s) => [s.machine, s.state])).toEqual([['L1-M2', 'unknown']]);
  });
});
