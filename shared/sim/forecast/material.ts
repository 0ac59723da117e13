/**
 * Material by BOM: what the stock allows a run segment to make, reserving it, giving back what an
 * interrupted segment did not use, and the standard replenishment when a component runs out (after
 * its lead time, unless a planned receipt is still to come).
 */
import { EPS, toMs, type LineRt, type Run } from './run';

/** Units of `sku` the stock allows now (blocked components allow none), and the component that limits it. */
export function producible(run: Run, sku: string, want: number): { units: number; short: string | null } {
  const bom = run.index.productBySku.get(sku)?.bom ?? [];
  let units = want;
  let short: string | null = null;
  for (const b of bom) {
    const until = run.blocked.get(b.component);
    const have = until !== undefined && until > run.sim.now + EPS ? 0 : Math.max(0, run.inv[b.component] ?? 0);
    const can = have / b.perUnit;
    if (can < units - EPS) {
      units = Math.max(0, can);
      short = b.component;
    }
  }
  return { units, short };
}

/** Takes the material for `units` of `sku` out of stock; returns what was taken per component. */
export function reserve(run: Run, sku: string, units: number): Map<string, number> {
  const reserved = new Map<string, number>();
  for (const b of run.index.productBySku.get(sku)?.bom ?? []) {
    const q = b.perUnit * units;
    run.inv[b.component] = (run.inv[b.component] ?? 0) - q;
    reserved.set(b.component, q);
  }
  return reserved;
}

/** Gives back the unused share of an interrupted segment's reservation (`made` of its `segUnits`). */
export function giveBack(run: Run, l: LineRt, made: number): void {
  if (l.segReserved && l.segUnits > 0) {
    const back = 1 - made / l.segUnits;
    for (const [c, q] of l.segReserved) run.inv[c] = (run.inv[c] ?? 0) + q * back;
  }
}

/** Orders the standard replenishment of `component` (its usual stock, after its lead time) unless one is coming. */
export function ensureReplenishment(run: Run, component: string): void {
  if (run.replenishing.has(component)) return;
  // Planned receipts cover it when one is still to come.
  const nowMs = toMs(run, run.sim.now);
  if (run.st.planned.some((e) => e.type === 'receipt' && e.component === component && e.at >= nowMs)) return;
  const comp = run.plant.components.find((c) => c.id === component);
  if (!comp) return;
  run.replenishing.add(component);
  const qty = Math.max(1, comp.stock.reduce((a, s) => a + s.qty, 0));
  const at = run.sim.now + comp.leadTimeHours * 60;
  run.sim.schedule(at - run.sim.now, run.on.receipt, { component, qty, standard: true });
}

/** Stock arrives (a receipt event's first half; the lines that starved then look again). */
export function receive(run: Run, component: string, qty: number, standard: boolean | undefined): void {
  run.inv[component] = (run.inv[component] ?? 0) + qty;
  if (standard) run.replenishing.delete(component);
}
