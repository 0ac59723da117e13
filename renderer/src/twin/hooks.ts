/** React bindings for the TwinStore: each hook subscribes to one slice only. */
import { createContext, useCallback, useContext, useSyncExternalStore } from 'react';
import type { TwinStore, TwinMeta } from './store';
import type { LineView, MachineView } from '../../../shared/twin/view';

export const TwinContext = createContext<TwinStore | null>(null);

export function useTwinStore(): TwinStore {
  const s = useContext(TwinContext);
  if (!s) throw new Error('useTwinStore: no <TwinContext.Provider> above this component');
  return s;
}

export function useLines(): readonly LineView[] {
  const s = useTwinStore();
  return useSyncExternalStore(s.subscribeLines, s.getLines);
}

export function useMachines(): readonly MachineView[] {
  const s = useTwinStore();
  return useSyncExternalStore(s.subscribeMachines, s.getMachines);
}

export function useLine(id: string): LineView | undefined {
  const s = useTwinStore();
  const sub = useCallback((l: () => void) => s.subscribeLine(id, l), [s, id]);
  const get = useCallback(() => s.getLine(id), [s, id]);
  return useSyncExternalStore(sub, get);
}

export function useTwinMeta(): TwinMeta {
  const s = useTwinStore();
  return useSyncExternalStore(s.subscribeMeta, s.getMeta);
}
