/**
 * `takt report --shift <ISO start> --out file.pdf [--csv dir] [--data dir] [--plant f]`: the shift
 * report of a data folder as one PDF page, and its tables as CSV files.
 *
 * It opens the data folder with the plant core (no simulator, no connectors, real-time clock), so
 * the report is computed by the same `report.shift` a console calls; nothing is ingested while it
 * runs. Stop a core that is serving the same folder first (it holds the store).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCore } from '../core/core';
import { ProtocolClient } from '../../shared/protocol/client';
import { memoryTransportPair } from '../../shared/protocol/transport';
import { shiftReportCsv, shiftReportHtml } from '../../shared/kpi/report-html';
import type { ShiftReport } from '../../shared/kpi/report';
import { parseInstant } from './replay';
import { htmlToPdf } from '../report/pdf';
import { SYSTEM_CALLER } from '../../shared/auth/caller';

export interface ReportCommandOptions {
  shift: string;
  out: string;
  csv?: string;
  data: string;
  plant?: string;
  /** Also write a PNG of the page next to the PDF (to look at it). */
  png?: boolean;
  json?: boolean;
}

export async function buildShiftReport(o: { shiftStart: number; data: string; plant?: string }): Promise<ShiftReport> {
  if (!existsSync(join(o.data, 'journal.sqlite'))) throw new Error(`no journal in ${o.data}: run the core first (npm start) or pass --data <folder>`);
  const core = await startCore({ dataDir: o.data, plantFile: o.plant, simulator: false, speed: 1 });
  try {
    const [server, clientSide] = memoryTransportPair();
    core.connect(server, SYSTEM_CALLER);
    const client = new ProtocolClient(clientSide);
    return await client.call('report.shift', { shiftStart: o.shiftStart });
  } finally {
    await core.close();
  }
}

export async function reportCommand(o: ReportCommandOptions): Promise<number> {
  try {
    const shiftStart = parseInstant(o.shift);
    const report = await buildShiftReport({ shiftStart, data: o.data, plant: o.plant });
    // The plant's zone (in the report), so the PDF shows the times people on the floor read.
    const html = shiftReportHtml(report);
    const { pdf, png } = await htmlToPdf(html, { png: o.png });
    writeFileSync(o.out, pdf);
    const written = [o.out];
    if (png) {
      const p = o.out.replace(/\.pdf$/i, '') + '.png';
      writeFileSync(p, png);
      written.push(p);
    }
    if (o.csv) {
      mkdirSync(o.csv, { recursive: true });
      for (const [name, text] of Object.entries(shiftReportCsv(report))) {
        writeFileSync(join(o.csv, name), text);
        written.push(join(o.csv, name));
      }
    }
    if (o.json) console.log(JSON.stringify({ period: report.period, asOf: report.now, files: written, oee: report.plantKpis.iso.oee.value }));
    else console.log(`shift report ${report.period.label} → ${written.join(', ')}`);
    return 0;
  } catch (e) {
    console.error(`takt report: ${(e as Error).message}`);
    return 1;
  }
}
