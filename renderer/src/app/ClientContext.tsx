/**
 * Provides the Connection (and through it the current ProtocolClient) to React, feeds the twin
 * store from `twin.deltas`, and loads the plant and core info for each new connection.
 */
import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { ProtocolClient } from '../../../shared/protocol/client';
import type { CoreInfo, CoreStatus } from '../../../shared/protocol/api';
import type { Plant } from '../../../shared/plant/schema';
import type { Connection, ConnectionState } from '../transport/connection';
import { TwinContext } from '../twin/slices';
import type { TwinMirror } from '../twin/twin-mirror';
import { debugHooks } from '../debug';

const ConnectionContext = createContext<Connection | null>(null);

export interface CoreData {
  plant: Plant | null;
  info: CoreInfo | null;
  status: CoreStatus | null;
  error: string | null;
}
const CoreDataContext = createContext<CoreData>({ plant: null, info: null, status: null, error: null });
/** The plant alone: changes only when a (re)connection loads it, not with the once-a-second status. */
const PlantContext = createContext<Plant | null>(null);

export function usePlant(): Plant | null {
  return useContext(PlantContext);
}

export function useConnection(): Connection {
  const c = useContext(ConnectionContext);
  if (!c) throw new Error('useConnection: no <ClientProvider> above this component');
  return c;
}

export function useConnectionState(): ConnectionState {
  const c = useConnection();
  return useSyncExternalStore(c.subscribe, c.getState);
}

/** The ProtocolClient of the open connection, or null while (re)connecting. */
export function useClient(): ProtocolClient | null {
  return useConnectionState().client;
}

export function useCoreData(): CoreData {
  return useContext(CoreDataContext);
}

export function ClientProvider({ connection, store, children }: { connection: Connection; store: TwinMirror; children: ReactNode }) {
  const state = useSyncExternalStore(connection.subscribe, connection.getState);
  const client = state.client;
  const [data, setData] = useState<CoreData>({ plant: null, info: null, status: null, error: null });

  useEffect(() => {
    const dbg = debugHooks();
    if (dbg) dbg.connection = state.status;
  }, [state.status]);

  useEffect(() => {
    if (!client) return;
    let live = true;
    // Each as it comes: in browser mode the plant is answered while the core still boots, and the
    // Floor builds from it meanwhile (core.info waits for the core).
    const failed = (what: string) => (e: Error) => live && !client.isClosed && setData((d) => ({ ...d, error: `could not load ${what}: ${e.message}` }));
    client.call('plant.get').then((plant) => live && setData((d) => ({ ...d, plant, error: null })), failed('the plant'));
    client.call('core.info').then((info) => live && setData((d) => ({ ...d, info })), failed("the core's details"));
    // A closed connection is the header's badge to report, not an error banner.
    const offTwin = client.subscribe('twin.deltas', store.onStreamItem, undefined, (e) => live && !client.isClosed && setData((d) => ({ ...d, error: `twin stream failed: ${e.message}` })));
    const offStatus = client.subscribe('core.status', (status) => live && setData((d) => ({ ...d, status })));
    return () => {
      live = false;
      offTwin();
      offStatus();
    };
  }, [client, store]);

  return (
    <ConnectionContext.Provider value={connection}>
      <TwinContext.Provider value={store}>
        <CoreDataContext.Provider value={data}>
          <PlantContext.Provider value={data.plant}>{children}</PlantContext.Provider>
        </CoreDataContext.Provider>
      </TwinContext.Provider>
    </ConnectionContext.Provider>
  );
}
