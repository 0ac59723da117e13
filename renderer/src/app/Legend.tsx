/** What the colours and shapes mean. Normal states have no colour (ISA-101). */
import { states, type StateKey } from './states';
import { StateIcon } from './StateIcon';

export function Legend() {
  const keys = Object.keys(states) as StateKey[];
  return (
    <section className="legend" aria-labelledby="legend-title">
      <h2 id="legend-title" className="legend-title">
        Legend
      </h2>
      <ul>
        {keys.map((k) => (
          <li key={k} title={states[k].meaning}>
            <StateIcon status={k} size={15} />
            <span>{states[k].label}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
