/** The plant's people (from its crews) and the one acting at this console. */
import { useCallback, useMemo } from 'react';
import { useCoreData } from '../app/ClientContext';
import { sessionPersonId, useSession } from '../app/session';

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

/**
 * The person acting at this console, recorded as `by` on every action: the signed-in person (the
 * setter does nothing: the session is the person, in a browser and in the desktop window alike).
 */
export function useCurrentPerson(): [string, (id: string) => void] {
  const session = useSession();
  const noop = useCallback(() => undefined, []);
  return [sessionPersonId(session), noop];
}
