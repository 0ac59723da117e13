/**
 * The permission table and the check (shared/auth/): every protocol method and stream has an entry;
 * a person is checked by role against the rule set's table (defaults keep the old reach, a rule
 * set narrows it), a token by its scopes, the in-process host always passes; and who acts is the
 * signed-in person whatever `by` says.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { methodParams, streamParams } from '../../../shared/protocol/api';
import { METHOD_PERMISSIONS, methodNeed, STREAM_PERMISSIONS } from '../../../shared/auth/method-permissions';
import { actingPerson, authorize } from '../../../shared/auth/authorize';
import { permissionRoles } from '../../../shared/auth/permissions';
import { SYSTEM_CALLER, type Caller } from '../../../shared/auth/caller';
import { parsePlantText } from '../../../shared/plant/parse';
import { parseRulesText } from '../../../shared/decide/rules-parse';
import { ProtocolFailure } from '../../../shared/protocol/server';

const root = join(import.meta.dirname, '..', '..', '..');
const plantResult = parsePlantText(readFileSync(join(root, 'test/fixtures/commit/commit-plant.yaml'), 'utf8'), 'commit-plant.yaml');
if (!plantResult.ok) throw new Error('fixture plant does not parse');
const plant = plantResult.plant;
const rulesText = readFileSync(join(root, 'test/fixtures/commit/commit-rules.yaml'), 'utf8');
const rulesOf = (text: string) => {
  const r = parseRulesText(text, 'rules.yaml', plant);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.loaded.rules;
};
const rules = rulesOf(rulesText);
const person = (personId: string): Caller => ({ kind: 'person', personId, sessionId: 's', via: 'password' });
const token = (...scopes: ('ingest' | 'read' | 'actions')[]) => ({ kind: 'token', tokenId: 't', name: 'mes', scopes }) as const satisfies Caller;

describe('method permissions', () => {
  it('names a need for every protocol method and stream, and nothing else', () => {
    const missing = Object.keys(methodParams).filter((m) => !Object.hasOwn(METHOD_PERMISSIONS, m));
    expect(missing, `methods without an entry in shared/auth/method-permissions.ts: ${missing.join(', ')}`).toEqual([]);
    expect(Object.keys(METHOD_PERMISSIONS).sort()).toEqual(Object.keys(methodParams).sort());
    expect(Object.keys(STREAM_PERMISSIONS).sort()).toEqual(Object.keys(streamParams).sort());
    expect(methodNeed('decisions.commit', { kind: 'scenario', scenarioId: 'x' })).toEqual({ permission: 'commit.scenario', person: true });
    expect(methodNeed('decisions.commit', { exceptionId: 'e', optionId: 'o' })).toEqual({ permission: 'commit.option', person: true });
    // Every method that takes a `by` records a person, and is marked so.
    const withBy = (Object.keys(methodParams) as (keyof typeof methodParams)[]).filter((m) => /"by":/.test(JSON.stringify(z.toJSONSchema(methodParams[m], { io: 'input', unrepresentable: 'any' }))));
    expect(withBy.length).toBeGreaterThanOrEqual(12);
    for (const m of withBy) expect(methodNeed(m, {}).person, m).toBe(true);
  });

  it('checks a person by role: defaults keep the old reach, commits follow commitRoles', () => {
    const o = { plant, rules };
    expect(authorize(person('a-operator'), methodNeed('exceptions.acknowledge', {}), o)).toBeNull();
    expect(authorize(person('a-operator'), methodNeed('twin.view', {}), o)).toBeNull();
    expect(permissionRoles(rules, 'commit.option')).toEqual(rules.workflows.commitRoles);
    const r = authorize(person('a-operator'), methodNeed('decisions.commit', { exceptionId: 'e', optionId: 'o' }), o);
    expect(r).toMatchObject({ permission: 'commit.option', actor: 'a-operator', role: 'operator' });
    expect(r?.message).toBe("Operator A (operator) may not commit.option: needs a controller, planner, lead or manager (the rule set's permissions.commit.option)");
    expect(authorize(person('a-planner'), methodNeed('decisions.commit', {}), o)).toBeNull();
    expect(authorize(person('nobody'), methodNeed('twin.view', {}), o)).toBeNull();
    expect(authorize(person('nobody'), methodNeed('exceptions.comment', {}), o)?.message).toMatch(/'nobody' is signed in but is not one of the people of plant 'test-site'/);
  });

  it('a rule set with a permission table changes what is allowed', () => {
    const narrowed = rulesOf(`${rulesText}\npermissions:\n  exceptions.acknowledge: [lead, manager]\n  commit.scenario: [manager]\n  clock.speed: []\n`);
    const o = { plant, rules: narrowed };
    expect(authorize(person('a-operator'), methodNeed('exceptions.acknowledge', {}), o)?.message).toBe("Operator A (operator) may not exceptions.acknowledge: needs a lead or manager (the rule set's permissions.exceptions.acknowledge)");
    expect(authorize(person('a-lead'), methodNeed('exceptions.acknowledge', {}), o)).toBeNull();
    expect(authorize(person('a-planner'), methodNeed('decisions.commit', { kind: 'scenario', scenarioId: 's' }), o)?.permission).toBe('commit.scenario');
    expect(authorize(person('a-planner'), methodNeed('decisions.commit', { exceptionId: 'e', optionId: 'o' }), o)).toBeNull();
    expect(authorize(person('a-manager'), methodNeed('clock.setSpeed', {}), o)?.message).toMatch(/may not clock.speed: needs no signed-in person/);
    expect(authorize(SYSTEM_CALLER, methodNeed('clock.setSpeed', {}), o)).toBeNull();
    // Roles nobody in the plant holds: a warning naming the permission.
    const unheld = parseRulesText(`${rulesText}\npermissions:\n  rules.activate: [controller]\n`, 'rules.yaml', { ...plant, crews: plant.crews.map((c) => ({ ...c, members: c.members.filter((m) => m.role !== 'controller') })) });
    expect(unheld.ok && unheld.warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(/has any of the roles controller: nobody signed in may rules.activate/));
    // A bad table is a rule-set error that names the place.
    expect(parseRulesText(`${rulesText}\npermissions:\n  approve: [wizard]\n`, 'rules.yaml', plant).ok).toBe(false);
    expect(parseRulesText(`${rulesText}\npermissions:\n  fly: anyone\n`, 'rules.yaml', plant).ok).toBe(false);
  });

  it('checks a token by its scopes; a token acts as no person', () => {
    const o = { plant, rules };
    expect(authorize(token('read'), methodNeed('signals.ingest', {}), o)?.message).toBe("token 'mes' may not ingest: it needs the 'ingest' scope (it has read); create a token with that scope");
    expect(authorize(token('ingest'), methodNeed('signals.ingest', {}), o)).toBeNull();
    expect(authorize(token('ingest'), methodNeed('twin.view', {}), o)?.permission).toBe('read');
    expect(authorize(token('read'), STREAM_PERMISSIONS['twin.deltas'], o)).toBeNull();
    expect(authorize(token('read', 'ingest', 'actions'), methodNeed('exceptions.acknowledge', {}), o)?.message).toMatch(/a token acts as no person/);
    // Recording an action needs the person the token was made for, one of the plant's.
    expect(authorize(token('actions'), methodNeed('actions.transition', {}), o)?.message).toMatch(/acts for no plant person.*--person <id>/);
    expect(authorize({ ...token('actions'), personId: 'nobody' }, methodNeed('actions.transition', {}), o)?.message).toMatch(/acts for 'nobody', who is not one of the people/);
    expect(authorize({ ...token('actions'), personId: plant.crews[0]!.members[0]!.id }, methodNeed('actions.transition', {}), o)).toBeNull();
  });

  it('takes who acts from the signed-in person, never from by', () => {
    expect(actingPerson(person('a-qa'), 'a-manager')).toBe('a-qa');
    expect(actingPerson(person('a-qa'), undefined)).toBe('a-qa');
    expect(actingPerson(SYSTEM_CALLER, 'a-manager')).toBe('a-manager');
    expect(() => actingPerson(SYSTEM_CALLER, undefined)).toThrow(ProtocolFailure);
    expect(() => actingPerson(token('actions'), 'a-manager')).toThrow(/acts for no plant person/);
    // A token made for a person records that person, whatever 'by' says.
    expect(actingPerson({ ...token('actions'), personId: 'a-qa' }, 'a-manager')).toBe('a-qa');
  });
});
