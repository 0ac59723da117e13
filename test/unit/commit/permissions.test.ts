import { describe, expect, it } from 'vitest';
import { approvalRefusal, commitRefusal, doerOf, othersWithRole, personName, verifyRefusal } from '../../../shared/commit/permissions';
import type { Plant } from '../../../shared/plant/schema';

// Only the crews matter to these rules.
const plant = {
  crews: [
    {
      id: 'c1',
      name: 'C1',
      members: [
        { id: 'p1', name: 'Ann Planner', role: 'planner' },
        { id: 'p2', name: 'Ben Planner', role: 'planner' },
        { id: 'q1', name: 'Quinn QA', role: 'qa' },
        { id: 'o1', name: 'Otto Operator', role: 'operator' },
      ],
    },
  ],
} as unknown as Plant;
const who = (id: string) => {
  const m = plant.crews[0]!.members.find((x) => x.id === id)!;
  return { id: m.id, name: m.name, role: m.role };
};
const decision = { committedBy: 'p1', chosen: { title: 'Reroute O1 to L2' } };

describe('who may do what', () => {
  it('commit: only the rule set’s roles, said with the name', () => {
    expect(commitRefusal(who('p1'), ['planner', 'controller'])).toBeNull();
    expect(commitRefusal(who('o1'), ['planner', 'controller'])).toBe('Otto Operator is a operator: committing a decision needs a planner or controller');
  });

  it('approve: the approval’s role, and never the committer (four eyes), naming who can', () => {
    expect(approvalRefusal(plant, who('p2'), { role: 'planner', level: 0 }, decision)).toBeNull();
    expect(approvalRefusal(plant, who('p1'), { role: 'planner', level: 0 }, decision)).toBe('Ann Planner committed “Reroute O1 to L2” and may not also approve it (four eyes): Ben Planner can');
    expect(approvalRefusal(plant, who('q1'), { role: 'planner', level: 1 }, decision)).toBe('Quinn QA is a qa: this approval needs a planner (it was escalated) such as Ben Planner');
  });

  it('verify: someone other than the doer, unless the rule set allows it', () => {
    const a = { title: 'Clear the line', history: [{ at: 1, from: 'in-progress' as const, to: 'done' as const, by: 'q1' }] };
    expect(doerOf(a)).toBe('q1');
    expect(verifyRefusal(plant, who('q1'), a, false)).toMatch(/^Quinn QA did “Clear the line” and may not also verify it/);
    expect(verifyRefusal(plant, who('q1'), a, true)).toBeNull();
    expect(verifyRefusal(plant, who('p2'), a, false)).toBeNull();
  });

  it('names people, falling back to the id', () => {
    expect(personName(plant, 'p2')).toBe('Ben Planner');
    expect(personName(plant, 'zz')).toBe('zz');
    expect(othersWithRole(plant, 'planner', ['p1'])).toBe('Ben Planner');
    expect(othersWithRole(plant, 'manager', [])).toBe('');
  });
});
