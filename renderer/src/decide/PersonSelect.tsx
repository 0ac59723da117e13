/**
 * "Acting as": the person recorded as `by` on every exception action (from the plant's crews).
 * The crew on shift comes first, and each person says what they may do in the decision loop
 * (commit, approve: from the rule set), so a controller assigning or handing over picks someone
 * who is here and allowed.
 */
import { useId, useMemo } from 'react';
import { shiftAt } from '../../../shared/twin/schedule';
import { useCoreData } from '../app/ClientContext';
import { useRules } from '../commit/records-feed';
import { useCurrentPerson, usePeople } from './people';
import { usePlantNow } from './plant-now';
import { useSession } from '../app/session';

/** Who acts at this console: the signed-in person (no choice), or, in the desktop window, a choice. */
export function PersonSelect() {
  const session = useSession();
  if (session.status === 'unavailable') return <ChoosePerson />;
  return (
    <div className="person-select" data-testid="acting-person">
      <span className="muted">Signed in as</span>{' '}
      <strong>{session.status === 'person' ? `${session.name}${session.role ? ` (${session.role})` : ''}` : session.status === 'display' ? 'nobody: this display is locked (read-only)' : '…'}</strong>
    </div>
  );
}

function ChoosePerson() {
  const people = usePeople();
  const plant = useCoreData().plant;
  const rules = useRules();
  const now = usePlantNow();
  const [person, setPerson] = useCurrentPerson();
  const id = useId();
  const known = people.some((p) => p.id === person);
  const shift = plant && now ? shiftAt(plant, now) : null;
  const onCrew = shift ? plant?.crews.find((c) => c.id === shift.crew)?.name : undefined;
  const crews = useMemo(() => {
    const all = [...new Set(people.map((p) => p.crew))];
    return onCrew ? [onCrew, ...all.filter((c) => c !== onCrew)] : all;
  }, [people, onCrew]);
  const commitRoles = new Set<string>(rules?.workflows.commitRoles ?? []);
  const approverRoles = new Set<string>(rules?.escalation.map((e) => e.approver) ?? []);
  const may = (role: string) => [commitRoles.has(role) ? 'commits' : '', approverRoles.has(role) ? 'approves' : ''].filter(Boolean).join(', ');
  return (
    <div className="person-select">
      <label htmlFor={id}>Acting as</label>
      <select id={id} data-testid="person-select" value={known ? person : ''} onChange={(e) => setPerson(e.target.value)} className={known ? '' : 'needs-choice'}>
        <option value="">— choose who you are —</option>
        {crews.map((crew) => (
          <optgroup key={crew} label={crew === onCrew ? `${crew} — on shift now (${shift?.name ?? shift?.id})` : `${crew} — off shift`} data-on-shift={crew === onCrew ? 'true' : 'false'}>
            {people
              .filter((p) => p.crew === crew)
              .map((p) => {
                const m = may(p.role);
                return (
                  <option key={p.id} value={p.id}>
                    {p.name} ({p.role}){m ? ` · ${m}` : ''}
                  </option>
                );
              })}
          </optgroup>
        ))}
      </select>
    </div>
  );
}
