import { createTwin } from '../../../shared/twin/twin';
import type { Signal } from '../../../shared/signals/schema';
import type { TwinView } from '../../../shared/twin/view';
import { demoPlant, parsedDefaultRules } from '../decide/helpers';

/** Monday 2026-03-02 06:00 UTC: the early shift starts. */
export const T0 = Date.UTC(2026, 2, 2, 6, 0);
export const MIN = 60_000;

export const plant = demoPlant();
export const rules = parsedDefaultRules(plant);

let seq = 0;
export function sig(t: number, body: Record<string, unknown>): Signal {
  seq++;
  return { id: `rp-${seq}`, source: 'test', seq, eventTime: t, receiveTime: t, ...body } as Signal;
}

/** The demo plant's twin after `signals`. */
export function viewAfter(signals: Signal[]): TwinView {
  const twin = createTwin(plant, { startTime: T0 });
  if (signals.length) twin.applyBatch(signals, signals.length);
  const v = twin.view();
  twin.stop();
  return v;
}

/** The demo plant with cookie line 1's oven down one minute in. */
export const lineDownView = () => viewAfter([sig(T0 + MIN, { type: 'machine.state', machine: 'BS-L1-OVN', state: 'down', reason: 'burner' })]);
