/**
 * Readiness gates (`dispatch.gates`) for the Floor's line badges ("waiting: kitting, QA release").
 * Kept apart from records-feed.ts so the Floor's chunk stays small.
 */
import { useMemo, useSyncExternalStore } from 'react';
import type { ProtocolClient } from '../../../shared/protocol/client';
import type { ActionKind, ReadinessGate } from '../../../shared/commit/records';
import { useClient } from '../app/ClientContext';
import './gates.css';

const GATES_DEBOUNCE_MS = 300;

/**
 * Readiness gates for the floor. `dispatch.gates` is derived in the core from actions, so this
 * re-asks for it only when an action changed (a `records` subscription filtered to actions,
 * debounced), and only while a view showing gates is mounted. It is separate from RecordsFeed so
 * that the Floor does not load every decision, approval and audit entry just to draw a badge.
 */
export class GatesFeed {
  private gates: { items: ReadinessGate[]; error: string | null } = { items: [], error: null };
  private readonly listeners = new Set<() => void>();
  private off: (() => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight = false;
  private again = false;

  constructor(private readonly client: ProtocolClient) {}

  readonly get = () => this.gates;

  readonly subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    if (!this.off) {
      this.off = this.client.subscribe('records', () => this.soon(), { collections: ['actions'] }, (e) => this.set({ items: this.gates.items, error: `readiness gates: ${e.message}` }));
      this.load();
    }
    return () => {
      this.listeners.delete(l);
      if (this.listeners.size) return;
      this.off?.();
      this.off = null;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
    };
  };

  private set(g: { items: ReadinessGate[]; error: string | null }) {
    // Same answer as before (most action changes do not change a gate): no render.
    if (g.error === this.gates.error && JSON.stringify(g.items) === JSON.stringify(this.gates.items)) return;
    this.gates = g;
    this.listeners.forEach((l) => l());
  }

  private soon() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.load(), GATES_DEBOUNCE_MS);
  }

  private load() {
    this.timer = null;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = true;
    this.client
      .call('dispatch.gates')
      .then(
        (r) => this.set({ items: r.items, error: null }),
        (e: Error) => !this.client.isClosed && this.set({ items: this.gates.items, error: `readiness gates: ${e.message}` }),
      )
      .finally(() => {
        this.inFlight = false;
        if (this.again && this.off) {
          this.again = false;
          this.load();
        }
      });
  }
}

const gateFeeds = new WeakMap<ProtocolClient, GatesFeed>();
const noSub = () => () => undefined;
const noGates = { items: [] as ReadinessGate[], error: null };
/** Readiness gates of every line, refreshed when an action changes. */
export function useGates(): { items: ReadinessGate[]; error: string | null } {
  const client = useClient();
  const feed = useMemo(() => {
    if (!client) return null;
    let f = gateFeeds.get(client);
    if (!f) gateFeeds.set(client, (f = new GatesFeed(client)));
    return f;
  }, [client]);
  return useSyncExternalStore(feed ? feed.subscribe : noSub, feed ? feed.get : () => noGates);
}


/** Short words for the floor's readiness badge. */
export const kindShort: Record<ActionKind, string> = {
  kitting: 'kitting',
  'line-clearance': 'clearance',
  'qa-release': 'QA release',
  'changeover-readiness': 'changeover',
  'maintenance-window': 'maintenance',
  'schedule-communication': 'communication',
};

/** Line id → "waiting: kitting, QA release" for every line with a run that may not start yet. */
export function gateTexts(gates: readonly ReadinessGate[]): Map<string, string> {
  const m = new Map<string, Set<string>>();
  for (const g of gates) {
    if (g.ready || !g.pending.length) continue;
    let s = m.get(g.lineId);
    if (!s) m.set(g.lineId, (s = new Set()));
    for (const p of g.pending) s.add(kindShort[p.kind] ?? p.kind);
  }
  return new Map([...m].map(([line, kinds]) => [line, `waiting: ${[...kinds].join(', ')}`]));
}

/** The same, as a hook, memoised on the gates answer. */
export function useGateTexts(): Map<string, string> {
  const { items } = useGates();
  return useMemo(() => gateTexts(items), [items]);
}
