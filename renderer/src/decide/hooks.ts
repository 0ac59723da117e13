/** Live exceptions (the `exceptions` stream), the current person, and async calls with state. */
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useClient, useCoreData } from '../app/ClientContext';
import type { ExceptionRecord, FloodRate } from '../../../shared/decide/exceptions';
import { PRIORITY_RANK } from './format';

export interface ExceptionsState {
  ready: boolean;
  /** Open exceptions, most urgent first (priority, then oldest). */
  list: ExceptionRecord[];
  flood: FloodRate | null;
  error: string | null;
}

export function sortExceptions(list: Iterable<ExceptionRecord>): ExceptionRecord[] {
  return [...list].sort((a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || a.raisedAt - b.raisedAt || Number(a.id.slice(3)) - Number(b.id.slice(3)));
}

export function useExceptions(): ExceptionsState {
  const client = useClient();
  const [state, setState] = useState<ExceptionsState>({ ready: false, list: [], flood: null, error: null });
  useEffect(() => {
    if (!client) return;
    const byId = new Map<string, ExceptionRecord>();
    let live = true;
    const off = client.subscribe(
      'exceptions',
      (item) => {
        if (!live) return;
        if ('list' in item) {
          byId.clear();
          for (const r of item.list) byId.set(r.id, r);
        } else {
          for (const c of item.changes) {
            if (c.kind === 'removed') byId.delete(c.id);
            else if (c.exception.state === 'closed') byId.delete(c.exception.id);
            else byId.set(c.exception.id, c.exception);
          }
        }
        setState({ ready: true, list: sortExceptions(byId.values()), flood: item.flood, error: null });
      },
      undefined,
      (e) => live && setState((s) => ({ ...s, error: `exceptions stream failed: ${e.message}` })),
    );
    return () => {
      live = false;
      off();
    };
  }, [client]);
  return state;
}

export interface Person {
  id: string;
  name: string;
  role: string;
  crew: string;
}

export function usePeople(): Person[] {
  const plant = useCoreData().plant;
  return useMemo(() => (plant ? plant.crews.flatMap((c) => c.members.map((m) => ({ id: m.id, name: m.name, role: m.role, crew: c.name }))) : []), [plant]);
}

const PERSON_KEY = 'takt.person';
const personListeners = new Set<() => void>();
const readPerson = () => {
  try {
    return localStorage.getItem(PERSON_KEY) ?? '';
  } catch {
    return '';
  }
};

/** The person acting at this console (remembered in localStorage), recorded as `by` on every action. */
export function useCurrentPerson(): [string, (id: string) => void] {
  const id = useSyncExternalStore(
    (l) => {
      personListeners.add(l);
      window.addEventListener('storage', l);
      return () => {
        personListeners.delete(l);
        window.removeEventListener('storage', l);
      };
    },
    readPerson,
  );
  const set = useCallback((v: string) => {
    try {
      if (v) localStorage.setItem(PERSON_KEY, v);
      else localStorage.removeItem(PERSON_KEY);
    } catch {
      /* storage unavailable: the choice lasts for this page only */
    }
    personListeners.forEach((l) => l());
  }, []);
  return [id, set];
}

/** The plant time now, from the core's status stream (falls back to the info clock). */
export function usePlantNow(): number {
  const { status, info } = useCoreData();
  return status?.time ?? info?.clock.now ?? 0;
}
