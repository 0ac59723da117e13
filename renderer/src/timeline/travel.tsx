/**
 * Time travel from the timeline's cursor: the floor (and everything reading the twin mirror) shows
 * the twin as it was at an instant (`twin.view {at}`, rebuilt by the core from snapshots and the
 * journal), under a banner; `L` (or the banner's button) returns to live.
 */
import { useEffect, useSyncExternalStore } from 'react';
import type { ProtocolClient } from '../../../shared/protocol/client';
import type { TwinMirror } from '../twin/twin-mirror';
import { useTwinMirror } from '../twin/slices';
import { useClient } from '../app/ClientContext';
import './timeline.css';

let latest = 0;

/** Shows the twin at `at`; when several calls overlap only the last one lands. */
export async function travelTo(client: ProtocolClient, store: TwinMirror, at: number): Promise<void> {
  const n = ++latest;
  const view = await client.call('twin.view', { at: Math.round(at) });
  if (n === latest) store.showPast(view);
}

export async function goLive(client: ProtocolClient, store: TwinMirror): Promise<void> {
  const n = ++latest;
  const view = await client.call('twin.view');
  if (n === latest) store.returnLive(view);
}

export function useTravel(): { at: number } | null {
  const store = useTwinMirror();
  return useSyncExternalStore(store.subscribeTravel, store.getTravel);
}

export function formatPlantTime(t: number, timeZone = 'UTC'): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(t);
}

function typing(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
}

/** "VIEWING <time> — press L for live", shown while the store shows the past; `L` goes live. */
export function TravelBanner({ timeZone = 'UTC' }: { timeZone?: string }) {
  const travel = useTravel();
  const store = useTwinMirror();
  const client = useClient();
  useEffect(() => {
    if (!travel || !client) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
      if (e.key !== 'l' && e.key !== 'L') return;
      e.preventDefault();
      void goLive(client, store);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [travel, client, store]);
  if (!travel) return null;
  return (
    <div className="travel-banner" role="status" data-testid="travel-banner" data-at={travel.at}>
      <strong>VIEWING {formatPlantTime(travel.at, timeZone)}</strong> — press <kbd>L</kbd> for live
      <button type="button" className="travel-live" onClick={() => client && void goLive(client, store)}>
        Back to live
      </button>
    </div>
  );
}
