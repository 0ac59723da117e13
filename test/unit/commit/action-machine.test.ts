/**
 * shared/commit/action-machine.ts: the action lifecycle (XState v5) moves along the legal path,
 * blocked resumes, signals may verify early, and refusals name the current state and the reason.
 */
import { describe, expect, it } from 'vitest';
import { IllegalTransition, applyActionEvent, eventsFrom, personEvent, type ActionEvent } from '../../../shared/commit/action-machine';
import type { ActionStatus } from '../../../shared/commit/records';

const free = { openDependencies: [] };
const run = (from: ActionStatus, events: ActionEvent[]) => events.reduce<ActionStatus>((s, e) => applyActionEvent(s, e, free), from);

describe('action lifecycle', () => {
  it('follows created → assigned → acknowledged → in-progress → done → verified', () => {
    expect(run('created', [{ type: 'ASSIGN', ownerId: 'p1' }, { type: 'ACKNOWLEDGE' }, { type: 'START' }, { type: 'DONE' }, { type: 'VERIFY', bySignal: false }])).toBe('verified');
  });
  it('blocked needs a reason and resumes to assigned, acknowledged or in progress', () => {
    expect(() => applyActionEvent('acknowledged', { type: 'BLOCK', reason: ' ' }, free)).toThrow(/needs a reason/);
    expect(applyActionEvent('in-progress', { type: 'BLOCK', reason: 'no labels' }, free)).toBe('blocked');
    expect(applyActionEvent('blocked', { type: 'START' }, free)).toBe('in-progress');
    expect(applyActionEvent('blocked', { type: 'ACKNOWLEDGE' }, free)).toBe('acknowledged');
    expect(applyActionEvent('blocked', { type: 'ASSIGN', ownerId: 'p2' }, free)).toBe('assigned');
  });
  it('a matching signal verifies an open action; a person verifies only a done one', () => {
    expect(applyActionEvent('assigned', { type: 'VERIFY', bySignal: true }, free)).toBe('verified');
    expect(applyActionEvent('in-progress', { type: 'VERIFY', bySignal: true }, free)).toBe('verified');
    expect(() => applyActionEvent('in-progress', { type: 'VERIFY', bySignal: false }, free)).toThrow(/verifies only a done action/);
  });
  it('names the current state and what is allowed when the move is illegal', () => {
    const e = (() => {
      try {
        applyActionEvent('assigned', { type: 'DONE' }, free, 'action a-1');
      } catch (x) {
        return x as IllegalTransition;
      }
      throw new Error('no error');
    })();
    expect(e).toBeInstanceOf(IllegalTransition);
    expect(e.from).toBe('assigned');
    expect(e.message).toBe("action a-1 is 'assigned': it cannot move to 'done' from there (allowed: assigned, acknowledged, verified, blocked, rejected)");
    expect(() => applyActionEvent('verified', { type: 'BLOCK', reason: 'x' }, free)).toThrow(/it is final/);
    expect(() => applyActionEvent('rejected', { type: 'ACKNOWLEDGE' }, free)).toThrow(/it is final/);
  });
  it('waits for dependencies before starting or finishing', () => {
    const facts = { openDependencies: [{ id: 'a-clear', kind: 'line-clearance' as const, status: 'in-progress' as const }] };
    expect(() => applyActionEvent('acknowledged', { type: 'START' }, facts, 'action a-qa')).toThrow("action a-qa is 'acknowledged': it cannot move to 'in-progress' before a-clear (line-clearance, 'in-progress') is done");
    expect(() => applyActionEvent('acknowledged', { type: 'DONE' }, facts)).toThrow(/before a-clear/);
    expect(applyActionEvent('acknowledged', { type: 'BLOCK', reason: 'waiting' }, facts)).toBe('blocked');
  });
  it('assigning needs a person; reassigning an assigned action is a change', () => {
    expect(() => applyActionEvent('created', { type: 'ASSIGN', ownerId: '' }, free)).toThrow(/needs a person/);
    expect(applyActionEvent('assigned', { type: 'ASSIGN', ownerId: 'p9' }, free)).toBe('assigned');
  });
  it('maps a person\'s requested status to machine events', () => {
    expect(personEvent('in-progress', {})).toEqual({ type: 'START' });
    expect(personEvent('blocked', { comment: 'r' })).toEqual({ type: 'BLOCK', reason: 'r' });
    expect(personEvent('assigned', { ownerId: 'p' })).toEqual({ type: 'ASSIGN', ownerId: 'p' });
    expect(eventsFrom('done')).toEqual(['VERIFY']);
  });
});
