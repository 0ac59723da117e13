import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openingState } from '../../../shared/sim/forecast';
import { compareScenarios, parseScenarioText, prepareRisk, runRisk, runScenario, scenarioSchema, type Scenario, type ScenarioInput } from '../../../shared/sim/scenario';
import { parsePlantText } from '../../../shared/plant/parse';
import { runPreparedReplications, runReplications, ReplicationsCancelled } from '../../../main/core/services/replications';
import { simulateCommand } from '../../../main/cli/simulate';
import { H, T0, twoLinePlant } from './sim-plants';

const order = (id: string, sku: string, qty: number, dueInHours: number, line: string, customer = 'big') => ({ id, sku, qty, customer, dueInHours, line });
const demoFile = new URL('../../../resources/plants/demo-plant.yaml', import.meta.url);
function demoPlant() {
  const r = parsePlantText(readFileSync(demoFile, 'utf8'), 'demo-plant.yaml');
  if (!r.ok) throw new Error('demo plant invalid');
  return r.plant;
}
const sc = (s: Partial<ScenarioInput> & { name: string }): Scenario => scenarioSchema.parse({ takt: 'scenario', ...s });

describe('scenario files', () => {
  it('the example scenarios parse against the demo plant', () => {
    const plant = demoPlant();
    for (const f of ['line-down-2h', 'component-short', 'rush-order']) {
      const text = readFileSync(new URL(`../../../resources/scenarios/${f}.yaml`, import.meta.url), 'utf8');
      const r = parseScenarioText(text, `${f}.yaml`, plant);
      expect(r.ok, JSON.stringify(!r.ok && r.errors)).toBe(true);
    }
  });

  it('errors are positioned (file, path, line, column) with expected/found and a did-you-mean', () => {
    const plant = demoPlant();
    const text = [
      'takt: scenario',
      'name: broken',
      'disruptions:',
      '  - { type: line-down, line: BS-L9, hours: 2 }',
      '  - type: component-short',
      '    component: hazelnut-paste',
      '  - { type: rush-order, id: R1, sku: C-BUT-200, qty: 100, customer: nordmark, dueInHours: 4 }',
      'moves:',
      '  - { type: move, order: SO-24004, line: BS-L1 }',
    ].join('\n');
    const r = parseScenarioText(text, 'broken.yaml', plant);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const by = Object.fromEntries(r.errors.map((e) => [e.path, e]));
    expect(by['disruptions[0].line']).toMatchObject({ file: 'broken.yaml', line: 4, column: 30, found: "'BS-L9'" });
    expect(by['disruptions[0].line']!.message).toMatch(/unknown line 'BS-L9' \(did you mean 'BS-L[0-9]'\?\)/);
    expect(by['disruptions[1]']).toMatchObject({ line: 5 });
    expect(by['disruptions[1]']!.message).toMatch(/exactly one of `qty`/);
    expect(by['disruptions[2].customer']!.message).toMatch(/did you mean 'nordmarkt'/);
    expect(by['moves[0].line']).toMatchObject({ line: 9 });
    expect(by['moves[0].line']!.message).toMatch(/no run rate for Y-GRK-150/);
  });

  it('shape errors and syntax errors are positioned too', () => {
    const shape = parseScenarioText('takt: scenario\nname: x\ndisruptions:\n  - { type: line-down, line: L1, hours: -2 }\n  - { type: lin-down }\n', 'x.yaml');
    expect(shape.ok).toBe(false);
    if (!shape.ok) {
      expect(shape.errors[0]).toMatchObject({ path: 'disruptions[0].hours', line: 4 });
      expect(shape.errors[1]).toMatchObject({ path: 'disruptions[1].type', line: 5, found: "'lin-down'" });
    }
    const syntax = parseScenarioText('takt: scenario\nname: [x\n', 'y.yaml');
    expect(syntax.ok).toBe(false);
    if (!syntax.ok) expect(syntax.errors[0]!.message).toMatch(/YAML syntax error/);
    const json = parseScenarioText('{"takt": "scenario", "name": "j", "disruptions": [{"type": "absence", "hours": 1}]}', 'z.json');
    expect(json.ok).toBe(false);
    if (!json.ok) expect(json.errors[0]).toMatchObject({ path: 'disruptions[0]', line: 1 });
  });
});

describe('runScenario and compareScenarios', () => {
  const plant = twoLinePlant({ orders: [order('A', 'P', 2000, 3, 'L1'), order('B', 'P', 2000, 6, 'L2', 'small'), order('C', 'P', 1000, 8, 'L1', 'small')] });
  const base = openingState(plant, T0);

  it('line down N h from T: the line stops, the Gantt shows it, orders slip', () => {
    const r = runScenario(plant, base, sc({ name: 'L1 down', disruptions: [{ type: 'line-down', line: 'L1', atHours: 1, hours: 2 }] }));
    const l1 = r.gantt.find((g) => g.lineId === 'L1')!;
    expect(l1.rows.find((x) => x.kind === 'down')).toMatchObject({ start: T0 + H, end: T0 + 3 * H });
    expect(r.orders.find((o) => o.id === 'A')!.end).toBe(T0 + 4 * H);
    expect(r.kpis.lateOrders).toBe(1);
  });

  it('rush order at the front, demand change, absence and manual moves', () => {
    const r = runScenario(
      plant,
      base,
      sc({
        name: 'mix',
        disruptions: [
          { type: 'rush-order', id: 'R1', sku: 'P', qty: 500, customer: 'big', atHours: 1, dueInHours: 2, line: 'L2', front: true },
          { type: 'demand-change', order: 'C', factor: 2 },
        ],
        moves: [{ type: 'move', order: 'C', line: 'L2', position: 0 }],
      }),
    );
    const by = Object.fromEntries(r.orders.map((o) => [o.id, o]));
    expect(by.C!.lineId).toBe('L2');
    expect(by.C!.qty).toBe(2000);
    expect(by.C!.start).toBe(T0);
    expect(by.R1!.start).toBe(T0 + 2 * H); // after C (pinned first, running), before B
    expect(by.R1!.end).toBe(T0 + 2.5 * H);
  });

  it('compares 2–4 scenarios with deltas against the first; more than 4 is refused', () => {
    const results = [
      runScenario(plant, base, sc({ name: 'Baseline' })),
      runScenario(plant, base, sc({ name: 'Down 2 h', disruptions: [{ type: 'line-down', line: 'L1', atHours: 0, hours: 2 }] })),
      runScenario(plant, base, sc({ name: 'Down 6 h', disruptions: [{ type: 'line-down', line: 'L1', atHours: 0, hours: 6 }] })),
    ];
    const c = compareScenarios(results);
    expect(c.scenarios).toEqual(['Baseline', 'Down 2 h', 'Down 6 h']);
    const late = c.rows.find((r) => r.kpi === 'weightedTardinessHours')!;
    expect(late.deltas[0]).toBeNull();
    expect(late.deltas[1]).toBeGreaterThan(0);
    expect(late.deltas[2]! > late.deltas[1]!).toBe(true);
    expect(late.best).toBe(0);
    expect(() => compareScenarios([...results, ...results])).toThrow(/1 to 4/);
  });
});

describe('risk mode', () => {
  const plant = demoPlant();
  const base = openingState(plant, T0);
  // Longer than the feasible book's slack on BS-L1, so some orders are really at risk.
  const scenario = sc({ name: 'risk', disruptions: [{ type: 'line-down', line: 'BS-L1', atHours: 1, hours: 8 }] });

  it('gives on-time probabilities, deterministic for a seed', () => {
    const a = runRisk(plant, base, scenario, { replications: 6, seed: 3 });
    const b = runRisk(plant, base, scenario, { replications: 6, seed: 3 });
    expect(a).toEqual(b);
    expect(a.orders.every((o) => o.onTimeProbability >= 0 && o.onTimeProbability <= 1)).toBe(true);
    expect(a.orders.some((o) => o.onTimeProbability > 0 && o.onTimeProbability < 1) || a.orders.some((o) => o.onTimeProbability === 0)).toBe(true);
  });

  it('the worker pool gives the same result as in-process for the same seeds, with progress', async () => {
    const inProcess = runRisk(plant, base, scenario, { replications: 8, seed: 5 });
    const progress: number[] = [];
    const pooled = await runReplications(plant, base, scenario, { replications: 8, seed: 5, workers: 2, chunk: 3, onProgress: (d) => progress.push(d) });
    expect(pooled).toEqual(inProcess);
    expect(progress[progress.length - 1]).toBe(8);
  }, 60_000);

  it('can be cancelled', async () => {
    const prepared = prepareRisk(plant, base, scenario, { seed: 1 });
    const ac = new AbortController();
    const p = runPreparedReplications(plant, prepared, { replications: 10_000, workers: 1, chunk: 2, signal: ac.signal, onProgress: (d) => d >= 2 && ac.abort() });
    await expect(p).rejects.toBeInstanceOf(ReplicationsCancelled);
    const pre = new AbortController();
    pre.abort();
    await expect(runPreparedReplications(plant, prepared, { replications: 5, signal: pre.signal })).rejects.toThrow(/cancelled after 0 of 5/);
  }, 60_000);
});

describe('takt simulate', () => {
  const file = (f: string) => new URL(`../../../resources/scenarios/${f}`, import.meta.url).pathname;
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, o: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
  };

  it('prints the KPI table (exit 0) and JSON with --json', async () => {
    const c = capture();
    expect(await simulateCommand({ scenario: file('line-down-2h.yaml'), ...c.o })).toBe(0);
    expect(c.out.join('\n')).toMatch(/Tier-weighted tardiness \(h\)/);
    expect(c.out.join('\n')).toMatch(/BS-L1 down 2 h \(Δ\)/);
    const j = capture();
    expect(await simulateCommand({ scenario: file('rush-order.yaml'), json: true, ...j.o })).toBe(0);
    const parsed = JSON.parse(j.out.join('\n'));
    expect(parsed.ok).toBe(true);
    expect(parsed.comparison.scenarios).toEqual(['Baseline (plan as is)', 'Rush order NordMarkt']);
    expect(parsed.result.orders.some((o: { id: string }) => o.id === 'RUSH-0001')).toBe(true);
  });

  it('a bad scenario file: positioned errors, exit 1; a missing one: exit 2', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'takt-sim-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'takt: scenario\nname: bad\ndisruptions:\n  - { type: line-down, line: NOPE, hours: 2 }\n');
    const c = capture();
    expect(await simulateCommand({ scenario: bad, ...c.o })).toBe(1);
    expect(c.err.join('\n')).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:30 disruptions\\[0\\]\\.line: unknown line 'NOPE'`));
    const m = capture();
    expect(await simulateCommand({ scenario: join(dir, 'missing.yaml'), json: true, ...m.o })).toBe(2);
    expect(JSON.parse(m.out.join('\n'))).toMatchObject({ ok: false, unreadable: true });
  });
});
