/**
 * `takt report`: after the core ran accelerated, the shift report of its data folder is a
 * one-page PDF (Chromium page.pdf) plus a CSV per table, with the numbers the protocol gives.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VIEWER } from './browser';
import { startTestCore } from './core';
import { startCore } from '../../main/core/core';
import { ProtocolClient } from '../../shared/protocol/client';
import { memoryTransportPair } from '../../shared/protocol/transport';
import { SYSTEM_CALLER } from '../../shared/auth/caller';

const dir = mkdtempSync(join(tmpdir(), 'takt-e2e-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function takt(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['bin/takt.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('takt report', () => {
  /** What `kpi.get` says for the shift on a core reopened on the data folder, without a simulator. */
  async function kpiOfFolder(data: string, shiftStart: number) {
    const core = await startCore({ dataDir: data, simulator: false, speed: 1 });
    try {
      const [server, clientSide] = memoryTransportPair();
      core.connect(server, SYSTEM_CALLER);
      return await new ProtocolClient(clientSide).call('kpi.get', { scope: 'plant', period: 'shift', at: shiftStart });
    } finally {
      await core.close();
    }
  }

  it('prints the shift as a one-page PDF and every table as CSV', async () => {
    const data = join(dir, 'data');
    const core = await startTestCore({ speed: 600, dataDir: data });
    let shift: { from: number; asOf: number; lines: number };
    try {
      const client = await core.connect();
      const start = (await client.call('core.info')).clock.now;
      while ((await client.call('core.info')).clock.now < start + 90 * 60_000) await new Promise((r) => setTimeout(r, 250));
      // The clock's speed is a person's change (a token acts as no person).
      await (await core.as(VIEWER)).call('clock.setSpeed', { speed: 1 }); // nearly still
      const k = await client.call('kpi.get', { scope: 'plant', period: 'shift' });
      const plant = await client.call('plant.get');
      shift = { from: k.period.from, asOf: k.now, lines: plant.areas.flatMap((a) => a.lines).length };
      // Browser mode: the core prints the same report with Chromium and sends the PDF.
      const viaCore = await client.call('report.shiftPdf', { shiftStart: k.period.from });
      const bytes = Buffer.from(viaCore.pdfBase64, 'base64');
      expect(bytes.length).toBe(viaCore.bytes);
      expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
      expect(viaCore.filename).toMatch(/^shift-report-.*\.pdf$/);
      client.close();
    } finally {
      await core.close();
    }
    const out = join(dir, 'shift.pdf');
    const r = await takt(['report', '--shift', new Date(shift.from).toISOString(), '--out', out, '--csv', join(dir, 'csv'), '--data', data, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(summary.period.from).toBe(shift.from);
    // The live twin went on ticking (a minute of plant time per real minute) until the core
    // closed, so the report is compared with the protocol's KPIs of the folder as it was left.
    const left = await kpiOfFolder(data, shift.from);
    expect(left.period.from).toBe(shift.from);
    expect(summary.asOf).toBe(left.now);
    expect(summary.asOf).toBeGreaterThanOrEqual(shift.asOf);
    expect(summary.oee).toBe(left.iso.oee.value);
    const pdf = readFileSync(out);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)?.length).toBe(1);
    for (const f of ['kpis', 'lines', 'downtime', 'exceptions', 'decisions', 'actions', 'schedule-adherence']) expect(existsSync(join(dir, 'csv', `${f}.csv`)), f).toBe(true);
    const lines = readFileSync(join(dir, 'csv', 'lines.csv'), 'utf8').trim().split('\r\n');
    expect(lines).toHaveLength(shift.lines + 1);
    expect(lines[0]).toMatch(/^"line","name","area","availability",/);

    const bad = await takt(['report', '--shift', 'yesterday-ish', '--out', out, '--data', data]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/takt report: 'yesterday-ish' is not an instant/);
    const none = await takt(['report', '--shift', new Date(shift.from).toISOString(), '--out', out, '--data', join(dir, 'nothing-here')]);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/no journal in .*nothing-here/);
  });
});
