import { describe, expect, it } from 'vitest';
import { auditDetails } from '../../../shared/commit/audit-text';
import { plantTime } from '../../../shared/clock/plant-time';

describe('audit details as people read them', () => {
  it('shows instants in plant time, people by name, quantities grouped', () => {
    const pt = plantTime('Europe/Berlin');
    const text = auditDetails(
      { decisionId: 'D-1', dueAt: 1796670941597, ownerId: 'B-027', qty: 62013.515, approvals: ['D-1-p1', 'D-1-p2'], comment: 'ok' },
      { time: pt.full, name: (id) => (id === 'B-027' ? 'Chiara Weber' : id), skip: ['decisionId'] },
    );
    expect(text).toBe(`dueAt: ${pt.full(1796670941597)} · ownerId: Chiara Weber · qty: 62,014 · approvals: D-1-p1, D-1-p2 · comment: ok`);
    expect(text).not.toContain('1796670941597');
    expect(pt.full(1796670941597)).toMatch(/^\w{3} \d\d \w{3} 2026 \d\d:\d\d$/);
  });
});
