/** Live exceptions: the `exceptions` stream, kept as a list sorted most urgent first. */
import { useEffect, useState } from 'react';
import { useClient } from '../app/ClientContext';
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
