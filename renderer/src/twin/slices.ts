/** React bindings for the TwinMirror: each hook subscribes to one slice only. */
import { createContext, useCallback, useContext, useSyncExternalStore } from 'react';
import type { HistoryEntry, TwinMirror, TwinMeta } from './twin-mirror';
import type { LineView, MachineView, OrderView } from '../../../shared/twin/view';

export const TwinContext = createContext<TwinMirror | null>(null);

export function useTwinMirror(): TwinMirror {
  const s = useContext(TwinContext);
  if (!s) throw new Error('useTwinMirror: no <TwinContext.Provider> above this component');
  return s;
}

export function useLines(): readonly LineView[] {
  const s = useTwinMirror();
  return useSyncExternalStore(s.subscribeLines, s.getLines);
}

export function useMachines(): readonly MachineView[] {
  const s = useTwinMirror();
  return useSyncExternalStore(s.subscribeMachines, s.getMachines);
}

export function useLine(id: string): LineView | undefined {
  const s = useTwinMirror();
  const sub = useCallback((l: () => void) => s.subscribeLine(id, l), [s, id]);
  const get = useCallback(() => s.getLine(id), [s, id]);
  return useSyncExternalStore(sub, get);
}

export function useTwinMeta(): TwinMeta {
  const s = useTwinMirror();
  return useSyncExternalStore(s.subscribeMeta, s.getMeta);
}

export function useMachine(id: string): MachineView | undefined {
  const s = useTwinMirror();
  const sub = useCallback((l: () => void) => s.subscribeMachine(id, l), [s, id]);
  const get = useCallback(() => s.getMachine(id), [s, id]);
  return useSyncExternalStore(sub, get);
}

/** A line's recent status changes (client-side ring buffer), re-read when the line changes. */
export function useLineHistory(id: string): readonly HistoryEntry[] {
  const s = useTwinMirror();
  const sub = useCallback((l: () => void) => s.subscribeLine(id, l), [s, id]);
  const get = useCallback(() => s.getLineHistory(id), [s, id]);
  return useSyncExternalStore(sub, get);
}

/** A machine's recent state changes (client-side ring buffer). */
export function useMachineHistory(id: string): readonly HistoryEntry[] {
  const s = useTwinMirror();
  const sub = useCallback((l: () => void) => s.subscribeMachine(id, l), [s, id]);
  const get = useCallback(() => s.getMachineHistory(id), [s, id]);
  return useSyncExternalStore(sub, get);
}

/** Orders, re-read when any order changes. */
export function useOrder(id: string | null): OrderView | undefined {
  const s = useTwinMirror();
  const get = useCallback(() => (id ? s.getOrder(id) : undefined), [s, id]);
  return useSyncExternalStore(s.subscribeOrders, get);
}
