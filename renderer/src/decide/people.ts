/** The plant's people (from its crews) and the one acting at this console. */
import { useCallback, useMemo, useSyncExternalStore } from 'react';
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

const PERSON_KEY = 'takt.person';
const personListeners = new Set<() => void>();
const readPerson = () => {
  try {
    return localStorage.getItem(PERSON_KEY) ?? '';
  } catch {
    return '';
  }
};

/**
 * The person acting at this console, recorded as `by` on every action: the signed-in person in a
 * browser (the setter does nothing: the session is the person). Only the desktop window, which
 * has no sign-in page yet, keeps a choice remembered in localStorage.
 */
export function useCurrentPerson(): [string, (id: string) => void] {
  const session = useSession();
  const chosen = useChosenPerson();
  const noop = useCallback(() => undefined, []);
  return session.status === 'unavailable' ? chosen : [sessionPersonId(session), noop];
}

function useChosenPerson(): [string, (id: string) => void] {
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
