import { describe, expect, it } from 'vitest';
import { createSparkplugHost, parseSparkplugTopic, type SpMetric } from '../../../shared/connectors/sparkplug';

const T = 1_767_250_000_000;
const opts = { machines: { 'edge1/filler': 'L1-M2' }, stateMetric: 'Machine/State', goodMetric: 'Production/Good', scrapMetric: 'Production/Scrap', stateValues: { '1': 'running', '2': 'down' }, counters: 'total' as const, rebirthEveryMs: 1000, source: 'spb' };
const topic = (type: string, device?: string) => {
  const t = parseSparkplugTopic(`spBv1.0/plant/${type}/edge1${device ? `/${device}` : ''}`);
  if (typeof t === 'string' || t.kind !== 'node') throw new Error(String(t));
  return t;
};
const msg = (seq: number, metrics: SpMetric[], timestamp = T) => ({ seq, timestamp, metrics });

describe('Sparkplug topics', () => {
  it('parses node, device and STATE topics and says why others are not', () => {
    expect(parseSparkplugTopic('spBv1.0/g/DDATA/n/d')).toEqual({ kind: 'node', group: 'g', type: 'DDATA', node: 'n', device: 'd' });
    expect(parseSparkplugTopic('spBv1.0/g/NBIRTH/n')).toEqual({ kind: 'node', group: 'g', type: 'NBIRTH', node: 'n' });
    expect(parseSparkplugTopic('spBv1.0/STATE/host')).toEqual({ kind: 'state', hostId: 'host' });
    expect(parseSparkplugTopic('spBv1.0/g/DDATA/n')).toMatch(/needs a device level/);
    expect(parseSparkplugTopic('spBv1.0/g/XDATA/n')).toMatch(/not a Sparkplug message type/);
    expect(parseSparkplugTopic('spAv1.0/g/NDATA/n')).toMatch(/not in the spBv1.0 namespace/);
  });
});

describe('Sparkplug host state', () => {
  function born() {
    const h = createSparkplugHost(opts);
    expect(h.handle(topic('NBIRTH'), msg(0, [{ name: 'bdSeq', value: 3 }]), T)).toMatchObject({ signals: [], rejects: [] });
    const b = h.handle(
      topic('DBIRTH', 'filler'),
      msg(1, [
        { name: 'Machine/State', alias: 10, value: 1 },
        { name: 'Production/Good', alias: 11, value: 100 },
        { name: 'Production/Scrap', alias: 12, value: 4 },
      ]),
      T,
    );
    return { h, b };
  }

  it('a DBIRTH brings the device online with its state and sets counter baselines; DDATA by alias counts deltas', () => {
    const { h, b } = born();
    expect(b.signals).toEqual([{ id: 'spb:plant/edge1/filler/Machine/State@' + T, source: 'spb', seq: 0, eventTime: T, receiveTime: T, type: 'machine.state', machine: 'L1-M2', state: 'running' }]);
    expect(h.devices().find((d) => d.device === 'filler')).toMatchObject({ machine: 'L1-M2', online: true });
    const d = h.handle(topic('DDATA', 'filler'), msg(2, [{ alias: 11, value: 110 }, { alias: 12, value: 5 }], T + 1000), T + 1000);
    expect(d.signals).toEqual([expect.objectContaining({ type: 'production.count', machine: 'L1-M2', good: 10, scrap: 1, eventTime: T + 1000 })]);
    expect(d.rebirth).toBeUndefined();
  });

  it('a sequence gap asks for a rebirth (throttled); data before a birth too', () => {
    const { h } = born();
    const gap = h.handle(topic('DDATA', 'filler'), msg(5, [{ alias: 10, value: 2 }], T + 10), T + 10);
    expect(gap.rebirth).toEqual({ group: 'plant', node: 'edge1', reason: 'sequence gap at plant/edge1/filler: expected 2, got 5' });
    expect(gap.signals[0]).toMatchObject({ state: 'down' });
    expect(h.handle(topic('DDATA', 'filler'), msg(9, [], T + 20), T + 20).rebirth).toBeUndefined(); // throttled
    expect(h.handle(topic('DDATA', 'filler'), msg(12, [], T + 2000), T + 2000).rebirth).toBeDefined();
    const fresh = createSparkplugHost(opts);
    expect(fresh.handle(topic('NDATA'), msg(4, []), T).rebirth?.reason).toMatch(/before its NBIRTH/);
    expect(born().h.handle(topic('DDATA', 'filler'), msg(2, [{ alias: 99, value: 1 }]), T + 5000)).toMatchObject({ rejects: [{ reason: expect.stringMatching(/alias 99 has no name/) }], rebirth: expect.anything() });
    // seq wraps 255 → 0
    const w = createSparkplugHost(opts);
    w.handle(topic('NBIRTH'), msg(254, [{ name: 'bdSeq', value: 1 }]), T);
    w.handle(topic('NDATA'), msg(255, []), T);
    expect(w.handle(topic('NDATA'), msg(0, []), T).rebirth).toBeUndefined();
  });

  it('DDEATH makes a device stale, NDEATH all of the node (an older bdSeq is ignored); DDATA after a death asks for a rebirth', () => {
    const { h } = born();
    h.handle(topic('DDEATH', 'filler'), msg(2, []), T + 10);
    expect(h.devices().find((d) => d.device === 'filler')).toMatchObject({ online: false, staleReason: expect.stringMatching(/DDEATH/) });
    expect(h.handle(topic('DDATA', 'filler'), msg(3, [{ alias: 10, value: 1 }]), T + 20)).toMatchObject({ signals: [], rebirth: expect.anything() });
    h.handle(topic('DBIRTH', 'filler'), msg(4, [{ name: 'Machine/State', alias: 10, value: 1 }]), T + 30);
    expect(h.devices().every((d) => d.online)).toBe(true);
    h.handle(topic('NDEATH'), msg(0, [{ name: 'bdSeq', value: 2 }]), T + 40);
    expect(h.devices().every((d) => d.online)).toBe(true);
    h.handle(topic('NDEATH'), msg(0, [{ name: 'bdSeq', value: 3 }]), T + 50);
    expect(h.devices().map((d) => d.online)).toEqual([false, false]);
  });

  it('historical metrics keep their own time and never move live baselines', () => {
    const { h } = born();
    const r = h.handle(
      topic('DDATA', 'filler'),
      msg(2, [
        { alias: 10, value: 2, isHistorical: true, timestamp: T - 60_000 },
        { alias: 11, value: 50, isHistorical: true, timestamp: T - 60_000 },
      ]),
      T + 10,
    );
    expect(r.signals).toEqual([expect.objectContaining({ type: 'machine.state', state: 'down', eventTime: T - 60_000, reason: 'historical (Sparkplug is_historical)' })]);
    expect(r.historicalSkipped).toBe(1);
    // The live baseline is still 100: a live 105 counts 5.
    expect(h.handle(topic('DDATA', 'filler'), msg(3, [{ alias: 11, value: 105 }]), T + 20).signals[0]).toMatchObject({ good: 5, scrap: 0 });
    const delta = createSparkplugHost({ ...opts, counters: 'delta' });
    delta.handle(topic('NBIRTH'), msg(0, [{ name: 'bdSeq', value: 1 }]), T);
    delta.handle(topic('DBIRTH', 'filler'), msg(1, [{ name: 'Production/Good', alias: 11, value: 100 }]), T);
    expect(delta.handle(topic('DDATA', 'filler'), msg(2, [{ alias: 11, value: 7, isHistorical: true, timestamp: T - 5 }]), T).signals).toEqual([expect.objectContaining({ good: 7, eventTime: T - 5 })]);
  });

  it('rejects state values it cannot map and negative counters', () => {
    const { h } = born();
    const r = h.handle(topic('DDATA', 'filler'), msg(2, [{ alias: 10, value: 'WARP' }, { alias: 11, value: -1 }]), T);
    expect(r.rejects.map((x) => x.reason)).toEqual([expect.stringMatching(/state value 'WARP'/), expect.stringMatching(/counter 'Production\/Good' has value -1/)]);
  });
});
