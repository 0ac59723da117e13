/** "Acting as": the person recorded as `by` on every exception action (from the plant's crews). */
import { useId } from 'react';
import { useCurrentPerson, usePeople } from './hooks';

export function PersonSelect() {
  const people = usePeople();
  const [person, setPerson] = useCurrentPerson();
  const id = useId();
  const known = people.some((p) => p.id === person);
  return (
    <div className="person-select">
      <label htmlFor={id}>Acting as</label>
      <select id={id} data-testid="person-select" value={known ? person : ''} onChange={(e) => setPerson(e.target.value)} className={known ? '' : 'needs-choice'}>
        <option value="">— choose who you are —</option>
        {[...new Set(people.map((p) => p.crew))].map((crew) => (
          <optgroup key={crew} label={crew}>
            {people
              .filter((p) => p.crew === crew)
              .map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name} ({p.id}, {p.role})
                </option>
              ))}
          </optgroup>
        ))}
      </select>
    </div>
  );
}
