/**
 * Golden hashes: the demo plant run through the plant simulator, the twin, exception detection and
 * the registry, then forecast over several scenarios, moves and options. The hashes were recorded
 * before the forecast, twin and exception modules were split by concern; a refactor that keeps
 * behaviour keeps them. A change that means to alter behaviour updates them (and says why).
 * Re-recorded once the demo plant pinned every order to its line and staffed every line (new
 * inputs), the simulator filled lines by crew size, and detection texts moved to plant time; with
 * the previous demo plant the forecast hashes were unchanged by that work. Re-recorded again when
 * shift calendars moved from UTC to the plant's own clock (the demo plant is in Europe/Berlin, so
 * its shifts now change an hour earlier in UTC in winter): crews, detection and forecasts follow.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePlantText } from '../../../shared/plant/parse';
import type { Plant } from '../../../shared/plant/schema';
import type { Signal } from '../../../shared/signals/schema';
import { createTwin } from '../../../shared/twin/twin';
import { canonicalJson, fnv1a64 } from '../../../shared/twin/hash';
import { createPlantSimulator } from '../../../shared/sim/plant-simulator';
import { applyMove, cloneState, forecast, forkTwin, openingState, type ForecastState } from '../../../shared/sim/forecast';
import { parseScenarioText, runScenario } from '../../../shared/sim/scenario';
import { ExceptionRegistry, detectExceptions } from '../../../shared/decide/exceptions';
import { generateOptions } from '../../../shared/decide/options';
import { genericRules, parseRulesText } from '../../../shared/decide/rules-parse';

const T0 = Date.UTC(2026, 0, 5, 6);
const H = 3_600_000;
const root = new URL('../../../', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), 'utf8');
const h = (v: unknown) => fnv1a64(canonicalJson(v));

function demoPlant(): Plant {
  const r = parsePlantText(read('resources/plants/demo-plant.yaml'), 'demo-plant.yaml');
  if (!r.ok) throw new Error('demo plant invalid');
  return r.plant;
}

const plant = demoPlant();
const rulesRead = parseRulesText(read('resources/rules/default-rules.yaml'), 'default-rules.yaml', plant);
const rules = rulesRead.ok ? rulesRead.loaded.rules : genericRules().rules;

/** Twin, detection and registry over 30 simulated hours; the views at 6 h steps feed the forecasts. */
function live() {
  const sim = createPlantSimulator(plant, { seed: 11, startTime: T0 });
  const twin = createTwin(plant, { startTime: T0 });
  const clock = { t: T0, now: () => clock.t };
  const registry = new ExceptionRegistry(rules, clock);
  const trail: string[] = [];
  const views = [];
  let position = 0;
  for (let step = 1; step <= 30; step++) {
    const signals: Signal[] = sim.runUntil(T0 + step * H);
    position += signals.length;
    // Uneven batches: the twin must not care how signals are split.
    for (let i = 0; i < signals.length; i += 37) twin.applyBatch(signals.slice(i, i + 37), position - Math.max(0, signals.length - i - 37));
    twin.advanceTo(T0 + step * H);
    const delta = twin.takeDelta();
    const state = twin.peek();
    clock.t = state.time;
    const detected = detectExceptions(plant, rules, state, state.time);
    const changes = registry.update(detected, state.time);
    for (const c of changes) if (c.kind === 'raised' && c.exception.state === 'active-unacknowledged' && step % 4 === 0) registry.acknowledge(c.exception.id, 'golden');
    trail.push(`${step}:${twin.hash()}:${h(delta)}:${h(detected)}:${h(changes)}:${twin.takeRejected().length}:${twin.ignored}`);
    if (step % 6 === 0) views.push(twin.view());
  }
  const snap = registry.persist();
  const records = snap.records.length;
  const acknowledged = snap.records.filter((r) => r.history.some((x) => x.by === 'golden')).length;
  const out = { records, acknowledged, trail: fnv1a64(trail.join('\n')), registry: h(registry.persist()), flood: h(registry.flood()), finalHash: twin.hash(), views };
  twin.stop();
  return out;
}

function forecasts(views: ReturnType<typeof live>['views']): Record<string, string> {
  const out: Record<string, string> = {};
  out.opening = h(forecast(plant, openingState(plant, T0)));
  out.opening48Stochastic = h(forecast(plant, openingState(plant, T0), { horizonHours: 48, breakdowns: true, seed: 7 }));
  views.forEach((v, i) => {
    const st = forkTwin(plant, v, { defaultRepairMinutes: 90 });
    out[`fork${i}`] = h(forecast(plant, st, { horizonHours: 36 }));
    out[`fork${i}Stochastic`] = h(forecast(plant, st, { breakdowns: { mtbfHours: 12 }, seed: 3 + i }));
  });
  const base = forkTwin(plant, views[0]!);
  // Planned events of every kind, absences and moves.
  const rich: ForecastState = cloneState(base);
  const comp = plant.components[0]!.id;
  const line0 = rich.lines[0]!.id;
  const line1 = rich.lines[1]!.id;
  const o = rich.orders.find((x) => x.lineId === line0 && x.state === 'queued') ?? rich.orders[0]!;
  rich.planned.push(
    { at: base.time + 2 * H, type: 'line-down', lineId: line1, minutes: 75 },
    { at: base.time + 3 * H, type: 'stock-loss', component: comp, qty: 5000 },
    { at: base.time + 4 * H, type: 'component-block', component: comp, until: base.time + 6 * H },
    { at: base.time + 5 * H, type: 'receipt', component: comp, qty: 800 },
    { at: base.time + H, type: 'order-add', order: { ...o, id: 'GOLD-1', qty: 3000, remaining: 3000, state: 'queued', startedAt: null, due: base.time + 10 * H } },
    { at: base.time + 7 * H, type: 'order-change', orderId: o.id, qty: o.qty + 500, due: o.due - H, priority: 1 },
  );
  rich.absences.push({ from: base.time + H, until: base.time + 9 * H, count: 1, lineId: line0 }, { from: base.time + 12 * H, until: base.time + 20 * H, count: 2 });
  out.rich = h(forecast(plant, rich, { horizonHours: 30, gantt: true }));
  out.richStochastic = h(forecast(plant, rich, { horizonHours: 30, breakdowns: true, seed: 99, qaReleaseMinutes: 25, costs: { overtimePerPersonHour: 60 } }));
  const moved = cloneState(base);
  applyMove(moved, { kind: 'reroute', orderId: o.id, toLine: line1, position: 0 });
  applyMove(moved, { kind: 'split', orderId: o.id, toLine: line0, qty: Math.floor(o.remaining / 2) || 1, position: 1 });
  applyMove(moved, { kind: 'expedite', component: comp, qty: 1000, at: base.time + 2 * H, cost: 500 });
  applyMove(moved, { kind: 'pause-current', lineId: line1 });
  out.moved = h({ state: moved, result: forecast(plant, moved) });
  for (const f of ['component-short', 'line-down-2h', 'rush-order']) {
    const p = parseScenarioText(read(`resources/scenarios/${f}.yaml`), `${f}.yaml`, plant);
    if (!p.ok) throw new Error(`scenario ${f} invalid`);
    out[`scenario:${f}`] = h(runScenario(plant, base, p.scenario));
  }
  out.options = h(generateOptions({ plant, rules, twinState: views[1]!, exception: { type: 'line-down', lineId: views[1]!.lines[0]!.id, expectedRepairMinutes: 240 } }));
  return out;
}

describe('golden: behaviour of the twin, detection and forecasts is unchanged', () => {
  it('matches the recorded hashes', () => {
    const l = live();
    // Not vacuous: the run raised exceptions and the registry holds them.
    expect(l.records).toBeGreaterThan(3);
    expect(l.acknowledged).toBeGreaterThan(0);
    const result = { trail: l.trail, registry: l.registry, flood: l.flood, finalHash: l.finalHash, ...forecasts(l.views) };
    expect(result).toEqual({
      trail: '98b273b541000399',
      registry: '956f249ce0444fe8',
      flood: '89f2bd545f7298ca',
      finalHash: '62019b84e6f23929',
      opening: '284fae4f5a49902a',
      opening48Stochastic: 'ce1176544e296224',
      fork0: 'd023b87582dd414c',
      fork0Stochastic: '26d9215d53f2530d',
      fork1: '618f79579afcf4c1',
      fork1Stochastic: '4f28e64243919d04',
      fork2: 'be79144da774ef6f',
      fork2Stochastic: '5271c50ff9859bb9',
      fork3: '0171a63ab3a9ec6a',
      fork3Stochastic: '67cb8da2fbbc9e39',
      fork4: 'c2ffb3e61d46c143',
      fork4Stochastic: '026b6499cdddef00',
      rich: 'bb31a904a408d7bf',
      richStochastic: '896272a7a093bd00',
      moved: '920e228001170759',
      'scenario:component-short': 'f6c01eb551aaab70',
      'scenario:line-down-2h': 'ed794e5b5bb64d73',
      'scenario:rush-order': '49e4dfdbcb4b6154',
      options: '390c99b4e6ef283b',
    });
  });
});
