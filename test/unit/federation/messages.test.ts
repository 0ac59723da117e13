/** The federation messages (pure): subjects, versioned schemas, the twin summary and its change fingerprint. */
import { describe, expect, it } from 'vitest';
import { createTwin } from '../../../shared/twin/twin';
import { plant } from '../ingest/helpers';
import { buildTwinSummary, summaryFingerprint } from '../../../shared/federation/summary';
import { parseFederationMessage, recordEnvelopeSchema, signalEnvelopeSchema, twinSummarySchema } from '../../../shared/federation/messages';
import { signalMsgId, siteTokenProblem, streamNames, subjects } from '../../../shared/federation/subjects';
import { recordsStream, signalsStream, summariesStream } from '../../../shared/federation/streams';
import type { ExceptionRecord } from '../../../shared/decide/exceptions/record';

const T0 = Date.UTC(2026, 0, 5, 6, 0);

describe('federation subjects and streams', () => {
  it('puts a site under takt.<site>. and refuses a site id that is not one subject token', () => {
    expect(subjects.signals('lindenau')).toBe('takt.lindenau.signals');
    expect(subjects.summary('lindenau')).toBe('takt.lindenau.summary');
    expect(subjects.record('lindenau', 'approval')).toBe('takt.lindenau.records.approval');
    expect(streamNames.signals('lindenau')).toBe('TAKT_SIGNALS_lindenau');
    expect(signalMsgId('lindenau', 42)).toBe('lindenau:42');
    expect(siteTokenProblem('plant-2_b')).toBeUndefined();
    expect(siteTokenProblem('acme.lindenau')).toMatch(/cannot be a NATS subject token .* rename site\.id/);
    expect(() => subjects.signals('a*')).toThrow(/cannot be a NATS subject token/);
  });

  it('replicates every stream three times with its retention', () => {
    for (const c of [signalsStream('x'), summariesStream(), recordsStream()]) expect(c.replicas).toBe(3);
    expect(signalsStream('x')).toMatchObject({ subjects: ['takt.x.signals'], maxAgeS: 7 * 24 * 3600 });
    expect(summariesStream()).toMatchObject({ subjects: ['takt.*.summary'], maxMsgsPerSubject: 100 });
    expect(recordsStream()).toMatchObject({ subjects: ['takt.*.records.>'], maxAgeS: 0 });
  });
});

describe('federation messages', () => {
  const signal = { id: 's1', source: 'mes', seq: 1, eventTime: T0, receiveTime: T0, type: 'machine.state', machine: 'L1-M1', state: 'down' };

  it('accepts version 1 and refuses another version or a bad signal, saying where', () => {
    expect(parseFederationMessage(signalEnvelopeSchema, JSON.stringify({ v: 1, site: 'a', seq: 1, signal })).ok).toBe(true);
    expect(parseFederationMessage(signalEnvelopeSchema, JSON.stringify({ v: 2, site: 'a', seq: 1, signal }))).toMatchObject({ ok: false, reason: expect.stringMatching(/^v: /) });
    expect(parseFederationMessage(signalEnvelopeSchema, JSON.stringify({ v: 1, site: 'a', seq: 0, signal }))).toMatchObject({ ok: false, reason: expect.stringMatching(/^seq: /) });
    expect(parseFederationMessage(signalEnvelopeSchema, JSON.stringify({ v: 1, site: 'a', seq: 1, signal: { ...signal, state: 'melting' } }))).toMatchObject({ ok: false, reason: expect.stringMatching(/^signal/) });
    expect(parseFederationMessage(signalEnvelopeSchema, '{"v":')).toMatchObject({ ok: false, reason: expect.stringMatching(/^invalid JSON/) });
    expect(parseFederationMessage(recordEnvelopeSchema, JSON.stringify({ v: 1, site: 'a', kind: 'audit', id: 'x', record: { id: 'x' } })).ok).toBe(false);
  });

  it('summarises lines, KPIs and open exceptions, and its fingerprint ignores the clock', () => {
    const twin = createTwin(plant, { startTime: T0 });
    twin.apply({ ...signal } as never, 1);
    const ex = { id: 'EX-1', key: 'line-down:L1', type: 'line-down', priority: 'critical', state: 'active-unacknowledged', title: 'L1 down', subject: { lineId: 'L1' }, raisedAt: T0 } as unknown as ExceptionRecord;
    const closed = { ...ex, id: 'EX-2', state: 'closed' } as ExceptionRecord;
    const s = buildTwinSummary({ site: { id: 'a', name: 'Plant A' }, state: twin.peek(), exceptions: [ex, closed], publishedAt: 1000, intervalMs: 5000 });
    const parsed = twinSummarySchema.safeParse(JSON.parse(JSON.stringify(s)));
    expect(parsed.success, parsed.error?.message).toBe(true);
    expect(s.lines.find((l) => l.id === 'L1')?.status).toBe('down');
    expect(s.kpis.linesDown).toBe(1);
    expect(s.openExceptions).toEqual([{ id: 'EX-1', type: 'line-down', priority: 'critical', state: 'active-unacknowledged', title: 'L1 down', lineId: 'L1', raisedAt: T0 }]);
    expect(s.openExceptionCount).toBe(1);
    const later = { ...s, publishedAt: 9999, plantTime: s.plantTime + 60_000, position: 7 };
    expect(summaryFingerprint(later)).toBe(summaryFingerprint(s));
    expect(summaryFingerprint({ ...s, openExceptionCount: 0, openExceptions: [] })).not.toBe(summaryFingerprint(s));
    twin.stop();
  });
});
