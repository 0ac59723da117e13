import { describe, expect, it } from 'vitest';
import { compileTopicPattern } from '../../../shared/connectors/topic';
import { createMapper, mappingRuleSchema } from '../../../shared/connectors/mapping';

const ctx = { receiveTime: 1_767_250_000_000, seq: 7, source: 'uns' };
const rules = (list: unknown[]) => list.map((r) => mappingRuleSchema.parse(r));

describe('topic patterns', () => {
  it('captures named levels, matches + and trailing #, and gives the subscription filter', () => {
    const p = compileTopicPattern('acme/{area}/{line}/+/{machine}/state');
    expect(p.filter).toBe('acme/+/+/+/+/state');
    expect(p.match('acme/DD/DD-L1/cell/DD-L1-M1/state')).toEqual({ area: 'DD', line: 'DD-L1', machine: 'DD-L1-M1' });
    expect(p.match('acme/DD/DD-L1/cell/DD-L1-M1/count')).toBeNull();
    expect(p.match('acme/DD/DD-L1/DD-L1-M1/state')).toBeNull();
    const rest = compileTopicPattern('acme/signals/#');
    expect(rest.filter).toBe('acme/signals/#');
    expect(rest.match('acme/signals')).toEqual({});
    expect(rest.match('acme/signals/a/b')).toEqual({});
    expect(compileTopicPattern('+/x').match('$SYS/x')).toBeNull();
  });

  it('refuses malformed patterns with the level named', () => {
    expect(() => compileTopicPattern('a/#/b')).toThrow(/'#' must be the last level/);
    expect(() => compileTopicPattern('a/x{line}/b')).toThrow(/level 2 \('x\{line\}'\)/);
    expect(() => compileTopicPattern('a/{l}/{l}')).toThrow(/appears twice/);
  });
});

describe('declarative mapping', () => {
  const mapper = createMapper(
    rules([
      {
        topic: 'acme/{area}/{line}/{machine}/state',
        type: 'machine.state',
        id: '$.msgId',
        eventTime: '$.ts',
        fields: { machine: '{machine}', state: '$.status.code', reason: '$.status.text' },
        values: { state: { RUN: 'running', STOP: 'idle', FAULT: 'down', '3': 'blocked' } },
      },
      { topic: 'acme/{area}/{line}/{machine}/count', type: 'production.count', source: 'mes-{area}', fields: { machine: '{machine}', good: '$.good', scrap: 0 } },
      { topic: 'acme/signals/#', canonical: true },
    ]),
  );

  it('builds a canonical signal from captures, payload paths, value maps and constants', () => {
    const r = mapper.map('acme/DD/DD-L1/DD-L1-M1/state', JSON.stringify({ msgId: 'm-1', ts: '2026-01-01T06:00:00Z', status: { code: 'FAULT', text: 'jam' } }), ctx);
    expect(r).toEqual({
      ok: true,
      rule: 0,
      signal: { id: 'm-1', source: 'uns', seq: 7, eventTime: Date.UTC(2026, 0, 1, 6), receiveTime: ctx.receiveTime, type: 'machine.state', machine: 'DD-L1-M1', state: 'down', reason: 'jam' },
    });
    const n = mapper.map('acme/DD/DD-L1/DD-L1-M1/state', JSON.stringify({ msgId: 'm-2', ts: 1_767_250_000_000, status: { code: 3 } }), ctx);
    expect(n.ok && (n.signal as { state: string }).state).toBe('blocked');
  });

  it('defaults id to a hash of topic and payload (stable for re-deliveries), source to a template, eventTime to receive time', () => {
    const text = JSON.stringify({ good: 12 });
    const a = mapper.map('acme/DD/DD-L1/DD-L1-M2/count', text, ctx);
    const b = mapper.map('acme/DD/DD-L1/DD-L1-M2/count', text, { ...ctx, seq: 8 });
    const c = mapper.map('acme/DD/DD-L1/DD-L1-M2/count', JSON.stringify({ good: 13 }), ctx);
    expect(a.ok && b.ok && c.ok).toBe(true);
    if (!a.ok || !b.ok || !c.ok) return;
    const sa = a.signal as Record<string, unknown>;
    expect(sa).toMatchObject({ source: 'mes-DD', eventTime: ctx.receiveTime, type: 'production.count', machine: 'DD-L1-M2', good: 12, scrap: 0 });
    expect(sa.id).toBe((b.signal as Record<string, unknown>).id);
    expect(sa.id).not.toBe((c.signal as Record<string, unknown>).id);
  });

  it('passes canonical payload text through untouched', () => {
    const text = '{"id":"x","source":"s","seq":1}';
    expect(mapper.map('acme/signals/L1', text, ctx)).toEqual({ ok: true, signal: text, text, rule: 2 });
  });

  it('fails with a reason for no rule, bad JSON, a value outside its map and an unreadable time', () => {
    expect(mapper.map('other/topic', '{}', ctx)).toMatchObject({ ok: false, reason: "no mapping rule matches topic 'other/topic'" });
    expect(mapper.map('acme/DD/DD-L1/DD-L1-M1/state', '{"msgId":', ctx)).toMatchObject({ ok: false, reason: expect.stringMatching(/^invalid JSON/) });
    expect(mapper.map('acme/DD/DD-L1/DD-L1-M1/state', JSON.stringify({ msgId: 'a', ts: 1, status: { code: 'WARP' } }), ctx)).toMatchObject({
      ok: false,
      path: 'state',
      reason: expect.stringMatching(/value 'WARP' of 'state' is not in mappings\[0\]\.values\.state/),
    });
    expect(mapper.map('acme/DD/DD-L1/DD-L1-M1/state', JSON.stringify({ msgId: 'a', ts: 'yesterday', status: { code: 'RUN' } }), ctx)).toMatchObject({ ok: false, path: 'eventTime', reason: expect.stringMatching(/unreadable time 'yesterday'/) });
    // Wrong types are left for ingest's validation, which names the field path.
    const wrong = mapper.map('acme/DD/DD-L1/DD-L1-M2/count', JSON.stringify({ good: 'many' }), ctx);
    expect(wrong.ok && (wrong.signal as { good: unknown }).good).toBe('many');
  });

  it('names the rule and field for a configuration that cannot work', () => {
    expect(() => createMapper(rules([{ topic: 'a/{line}', type: 'order.started', fields: { line: '{machine}' } }]))).toThrow(/mappings\[0\]\.fields\.line: '\{machine\}' is not a capture/);
    expect(() => createMapper(rules([{ topic: 'a/#/b', type: 'order.started' }]))).toThrow(/mappings\[0\]\.topic: '#' must be the last level/);
    expect(() => createMapper(rules([{ topic: 'a', type: 'order.started', fields: { orderId: '$.a..b' } }]))).toThrow(/mappings\[0\]\.fields\.orderId: cannot read the path/);
    expect(mappingRuleSchema.safeParse({ topic: 'a' }).success).toBe(false);
    expect(mappingRuleSchema.safeParse({ topic: 'a', type: 'no.such' }).success).toBe(false);
  });
});
