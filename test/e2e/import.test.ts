/**
 * `takt import` against a real core (browser mode on a free port): B2MML V0401 and V07 schedules
 * become orders in the twin, a re-import changes nothing, broken files are refused with positioned
 * errors and nothing applied, CSV row errors are listed all at once and --skip-bad-rows imports the rest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startTestCore, repoRoot, type RunningCore } from './core';
import { importCommand, type ImportCommandOptions } from '../../main/cli/import';
import type { ProtocolClient } from '../../shared/protocol/client';

const fx = (p: string) => join(repoRoot, 'test', 'fixtures', p);
let core: RunningCore;
let client: ProtocolClient & { close(): void };
/** The import's API token, and the file the CLI reads it from (--token-file). */
let token = '';
let tokenFile = '';

beforeAll(async () => {
  core = await startTestCore();
  client = await core.connect();
  token = core.token(['ingest', 'read'], 'import');
  tokenFile = join(core.dataDir, 'import-token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
});
afterAll(async () => {
  client?.close();
  await core?.close();
});

/** The built CLI as a child process (the core runs in this process, so never spawnSync). */
function takt(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(repoRoot, 'bin/takt.mjs'), ...args], { cwd: repoRoot, timeout: 60_000 }, (e, stdout, stderr) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** importCommand in this process, with its output captured. */
async function runImport(file: string, o: Omit<ImportCommandOptions, 'core' | 'out' | 'err'> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await importCommand(file, { ...o, core: core.wsUrl, token, out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) });
  return { code, stdout, stderr };
}

const orders = async () => new Map((await client.call('twin.view')).orders.map((o) => [o.id, o]));

describe('takt import', () => {
  it('imports a B2MML V0401 production schedule through the built CLI', async () => {
    const r = await takt('import', fx('b2mml/production-schedule-v0401.xml'), '--core', core.wsUrl, '--token-file', tokenFile);
    expect(r.stderr, r.stdout).toBe('');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/B2MML V0401 ProductionSchedule, 2 records → 2 order\.created/);
    expect(r.stdout).toMatch(/Imported 2 signals\./);
    const o = await orders();
    expect(o.get('PO-V4-1001')).toMatchObject({ sku: 'Y-NAT-125', qty: 12000, customer: 'nordmarkt', priority: 2, lineId: 'DD-L1', due: Date.parse('2026-11-28T14:00:00Z') });
    expect(o.get('PO-V4-1002')).toMatchObject({ sku: 'Y-NAT-4X125', qty: 6500, customer: 'freshway' });
  });

  it('imports B2MML V07 schedules (OperationsSchedule, and ProductionSchedule in a Process message)', async () => {
    const a = await runImport(fx('b2mml/operations-schedule-v07.xml'));
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect(a.stdout).toMatch(/Imported 2 signals/);
    expect(a.stdout).toMatch(/skipped: OperationsType is Maintenance/);
    const b = await runImport(fx('b2mml/process-production-schedule-v07.xml'));
    expect(b.code).toBe(0);
    const o = await orders();
    expect(o.get('PO-V7-2001')).toMatchObject({ sku: 'C-BUT-200', qty: 9000, customer: 'sonnenkorn', lineId: 'BS-L1', priority: 1 });
    expect(o.get('PO-V7-2002')).toMatchObject({ sku: 'W-COC-45', qty: 15000, customer: 'citycorner', lineId: 'BS-L3' });
    expect(o.get('PO-V7-3001')).toMatchObject({ sku: 'CM-CAR-250', qty: 20000, lineId: 'BV-L2', priority: 4 });
    expect(o.has('MR-V7-9001')).toBe(false);
  });

  it('changes nothing when the same file is imported again', async () => {
    // Only the file's own orders are compared: the simulator creates and closes orders meanwhile.
    const imported = async () =>
      [...(await orders()).values()].filter((o) => o.id.startsWith('PO-V4-')).map(({ id, sku, qty, customer, priority, lineId, due }) => ({ id, sku, qty, customer, priority, lineId, due }));
    const before = await imported();
    expect(before).toHaveLength(2);
    const r = await runImport(fx('b2mml/production-schedule-v0401.xml'));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Imported 0 signals; 2 already imported before/);
    expect(await imported()).toEqual(before);
  });

  it('imports inventory lots into the twin’s stock', async () => {
    const stock = async () => (await client.call('twin.view')).inventory.find((i) => i.component === 'cocoa' && i.location === 'WH-RAW')?.qty ?? 0;
    const before = await stock();
    const r = await runImport(fx('b2mml/material-information-v07.xml'));
    expect(r.code).toBe(0);
    // The simulator consumes cocoa too; the receipt lifts stock by about its 2,500 kg.
    await expect.poll(stock, { timeout: 10_000 }).toBeGreaterThan(before + 2000);
  });

  it('refuses a broken B2MML file with positioned errors and applies nothing', async () => {
    const r = await takt('import', fx('b2mml/bad-values-v07.xml'), '--core', core.wsUrl, '--token-file', tokenFile);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/bad-values-v07\.xml:27:\d+ OperationsSchedule\/OperationsRequest\[2\]\/SegmentRequirement\/MaterialRequirement\/Quantity\/QuantityString: order\.qty: not a number/);
    expect(r.stdout).toMatch(/bad-values-v07\.xml:6:\d+ OperationsSchedule\/OperationsRequest\[1\]: OperationsRequest has no ID/);
    expect(r.stderr).toMatch(/Nothing imported: 5 problems in 3 records/);
    expect((await orders()).has('PO-BAD-3')).toBe(false);
    const syntax = await takt('import', fx('b2mml/bad-syntax.xml'), '--core', core.wsUrl, '--token-file', tokenFile);
    expect(syntax.code).toBe(1);
    expect(syntax.stdout).toMatch(/bad-syntax\.xml:6:3: XML syntax error: Expected closing tag 'ProductionRequest'/);
  });

  it('lists every CSV row error, imports nothing, then imports the good rows with --skip-bad-rows', async () => {
    const mapping = fx('csv/orders-erp.mapping.yaml');
    const r = await runImport(fx('csv/orders-bad.csv'), { mapping });
    expect(r.code).toBe(1);
    const errorLines = r.stdout.split('\n').filter((l) => /orders-bad\.csv:\d+:\d+ row/.test(l));
    expect(errorLines, r.stdout).toHaveLength(7);
    expect((await orders()).has('PO-CSV-5005')).toBe(false);
    const dry = await runImport(fx('csv/orders-bad.csv'), { mapping, skipBadRows: true, dryRun: true });
    expect(dry.code).toBe(0);
    expect(dry.stderr).toMatch(/Dry run: nothing sent \(1 signal would be\)/);
    expect((await orders()).has('PO-CSV-5005')).toBe(false);
    const skip = await runImport(fx('csv/orders-bad.csv'), { mapping, skipBadRows: true });
    expect(skip.code).toBe(0);
    expect(skip.stdout).toMatch(/Imported 1 signal\./);
    const o = await orders();
    expect(o.get('PO-CSV-5005')).toMatchObject({ sku: 'C-BUT-200', qty: 100, customer: 'sonnenkorn' });
    expect(o.has('PO-CSV-5001')).toBe(false);
  });

  it('imports a mapped ERP CSV export', async () => {
    const r = await runImport(fx('csv/orders-erp.csv'), { mapping: fx('csv/orders-erp.mapping.yaml') });
    expect(r.code).toBe(0);
    const o = await orders();
    expect(o.get('PO-CSV-4002')).toMatchObject({ qty: 8500.5, customer: 'sonnenkorn', priority: 3 });
  });

  it('says so when no core runs, and previews without one on --dry-run', async () => {
    const none = await runImportAt('ws://127.0.0.1:9/ws', fx('b2mml/production-schedule-v0401.xml'), {});
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no Takt core answers at ws:\/\/127\.0\.0\.1:9\/ws/);
    const dry = await runImportAt('ws://127.0.0.1:9/ws', fx('b2mml/production-schedule-v0401.xml'), { dryRun: true });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/2 order\.created/);
  });
});

async function runImportAt(url: string, file: string, o: Omit<ImportCommandOptions, 'core' | 'out' | 'err'>) {
  let stdout = '';
  let stderr = '';
  const code = await importCommand(file, { ...o, core: url, out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) });
  return { code, stdout, stderr };
}
