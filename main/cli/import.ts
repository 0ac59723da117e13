/**
 * `takt import <file>`: B2MML (XML) or CSV → canonical signals into a running core.
 *
 * 1. Reads the file (and the CSV mapping), asks the core for its plant and plant time.
 * 2. Prints the preview: what would be applied, and every problem with file:line:column and path
 *    (CSV: row and column). Nothing is sent while there are errors, unless --skip-bad-rows.
 * 3. Sends the signals with `signals.ingest` over the core's WebSocket protocol, so they pass the
 *    same validation, dedupe and journal as any connector's. Ids come from the content, so a second
 *    import of the same file changes nothing (reported as "already imported").
 *
 * Without a core, `--dry-run` still previews against `--plant` (or the demo plant).
 * Exit codes: 0 imported (or a clean dry run), 1 problems in the file or rejected by the core,
 * 2 unreadable file or no core to talk to.
 */
import { readFile, stat } from 'node:fs/promises';
import type { ProtocolClient } from '../../shared/protocol/client';
import { connectProtocolClient } from '../core/hosts/browser/ws-transport';
import type { Plant } from '../../shared/plant/schema';
import type { Signal } from '../../shared/signals/schema';
import { formatPlantIssues } from '../../shared/plant/parse';
import { buildPreview, formatPreview, parseCsvMapping, parseImport, type CsvMapping, type ImportPreview } from '../../shared/import';
import { parseOffset } from '../../shared/import/values';
import { loadPlantFile, PlantFileError } from '../core/persistence/plant-file';
import { DEFAULT_PORT } from '../core/hosts/browser/browser-mode';

export const DEFAULT_CORE_URL = `ws://127.0.0.1:${DEFAULT_PORT}/ws`;
/**
 * Largest file imported. Parsing and previewing hold the text, its records and their signals at once
 * (about fourteen times the file's size in memory), so a bigger export is to be split.
 */
export const MAX_IMPORT_BYTES = 16 * 1024 * 1024;
/** Signals per `signals.ingest` call (the protocol allows 10,000). */
const CHUNK = 5000;

export interface ImportCommandOptions {
  mapping?: string;
  dryRun?: boolean;
  skipBadRows?: boolean;
  core?: string;
  /** The core's API token (`takt tokens create --scopes ingest,read`): the core lets no one in without one. */
  token?: string;
  /** Plant file for a dry run without a core. */
  plant?: string;
  customer?: string;
  location?: string;
  utcOffset?: string;
  json?: boolean;
  out?: (text: string) => void;
  err?: (text: string) => void;
}

const connect = connectProtocolClient;

export async function importCommand(file: string, opts: ImportCommandOptions): Promise<number> {
  const out = opts.out ?? ((t: string) => console.log(t));
  const err = opts.err ?? ((t: string) => console.error(t));
  let text: string;
  try {
    const size = (await stat(file)).size;
    if (size > MAX_IMPORT_BYTES) {
      err(`takt import: ${file} is ${(size / 2 ** 20).toFixed(1)} MiB; the import takes files of at most ${MAX_IMPORT_BYTES / 2 ** 20} MiB: split it into smaller files (each is previewed and imported on its own)`);
      return 2;
    }
    text = await readFile(file, 'utf8');
  } catch (e) {
    err(`takt import: cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    return 2;
  }
  let mapping: CsvMapping | undefined;
  if (opts.mapping) {
    let mtext: string;
    try {
      mtext = await readFile(opts.mapping, 'utf8');
    } catch (e) {
      err(`takt import: cannot read the mapping ${opts.mapping}: ${(e as Error).message}`);
      return 2;
    }
    const m = parseCsvMapping(mtext, opts.mapping);
    if (!m.ok) {
      err(`${opts.mapping}: ${m.errors.length} problem${m.errors.length === 1 ? '' : 's'} in the CSV mapping\n${formatPlantIssues(m.errors)}`);
      return 1;
    }
    mapping = m.mapping;
  }
  let utcOffsetMinutes: number | undefined;
  if (opts.utcOffset !== undefined) {
    utcOffsetMinutes = parseOffset(opts.utcOffset);
    if (utcOffsetMinutes === undefined) {
      err(`takt import: --utc-offset '${opts.utcOffset}' is not an offset like Z, +01:00 or -05:00`);
      return 2;
    }
  }

  // The core's plant and plant time, or (dry run only) a plant file and the wall clock.
  const url = opts.core ?? DEFAULT_CORE_URL;
  let client: (ProtocolClient & { close(): void }) | undefined;
  let plant: Plant;
  let now: number;
  try {
    client = await connect(url, 5000, opts.token ? { token: opts.token } : undefined);
  } catch (e) {
    if (!opts.dryRun) {
      const refused = /refused the connection \(401\)/.test((e as Error).message);
      err(
        refused
          ? `takt import: the core at ${url} needs a valid API token (${(e as Error).message}): create one with \`takt tokens create import --scopes ingest,read\` and pass it with --token-file <file> (or env TAKT_TOKEN)`
          : `takt import: no Takt core answers at ${url} (${(e as Error).message}). Start one with \`takt serve\`, point --core at it, or preview with --dry-run.`,
      );
      return 2;
    }
  }
  try {
    if (client) {
      plant = await client.call('plant.get');
      now = (await client.call('core.info')).clock.now;
    } else {
      try {
        plant = (await loadPlantFile(opts.plant)).plant;
      } catch (e) {
        err(e instanceof PlantFileError ? e.message : `takt import: ${(e as Error).message}`);
        return 2;
      }
      now = Date.now();
      err(`(no core at ${url}: previewing against ${opts.plant ?? 'the demo plant'})`);
    }

    const parsed = parseImport(text, file, { plant, mapping, defaultCustomer: opts.customer, defaultLocation: opts.location, utcOffsetMinutes });
    const preview = buildPreview(parsed, { now, plant });
    if (opts.json) out(JSON.stringify({ file, describe: preview.describe, records: preview.records, ready: preview.ready.map((r) => r.signal), errors: preview.errors, warnings: preview.warnings }, null, 2));
    else out(formatPreview(preview));

    if (preview.errors.length > 0 && !opts.skipBadRows) {
      err(`Nothing imported: ${preview.errors.length} problem${preview.errors.length === 1 ? '' : 's'} in ${preview.badRecords} record${preview.badRecords === 1 ? '' : 's'}. Fix the file, or pass --skip-bad-rows to import the ${preview.ready.length} good one${preview.ready.length === 1 ? '' : 's'}.`);
      return 1;
    }
    if (opts.dryRun) {
      err(`Dry run: nothing sent (${preview.ready.length} signal${preview.ready.length === 1 ? '' : 's'} would be).`);
      return 0;
    }
    if (preview.ready.length === 0) {
      err('Nothing to import.');
      return preview.errors.length > 0 ? 1 : 0;
    }
    return await send(client!, preview, out, err);
  } finally {
    client?.close();
  }
}

/**
 * Sends in chunks. A state-setting signal stamped a moment before the core's watermark moved on
 * (the simulator keeps running) is refused as late: those are re-stamped just ahead of the core's
 * new present and sent again under a retry id (the original id stays recorded, so a later re-import is still
 * recognised as a duplicate).
 */
async function send(client: ProtocolClient, preview: ImportPreview, out: (t: string) => void, err: (t: string) => void): Promise<number> {
  let accepted = 0;
  let duplicates = 0;
  const rejected: { signal: Signal; reason: string }[] = [];
  let pending = preview.ready.map((r) => r.signal);
  for (let attempt = 0; attempt < 4 && pending.length > 0; attempt++) {
    const late: Signal[] = [];
    for (let i = 0; i < pending.length; i += CHUNK) {
      const chunk = pending.slice(i, i + CHUNK);
      const r = await client.call('signals.ingest', { signals: chunk });
      accepted += r.accepted;
      duplicates += r.duplicates;
      for (const x of r.rejected) {
        const s = chunk[x.index]!;
        if (/\blate\b/.test(x.reason) && attempt < 3) late.push(s);
        else rejected.push({ signal: s, reason: x.reason });
      }
    }
    if (late.length === 0) break;
    // Stamp a little ahead of the core's present: the round trip just measured, times the clock's
    // speed, more with each try (a busy machine and a fast plant clock can outrun a plain "now").
    const t0 = Date.now();
    const info = await client.call('core.info');
    const rttMs = Date.now() - t0;
    const now = Math.round(info.clock.now + (attempt + 1) * 2 * Math.max(rttMs, 20) * info.clock.speed);
    pending = late.map((s) => ({ ...s, id: `${s.id.replace(/~r\d+$/, '')}~r${attempt + 1}`, eventTime: now, receiveTime: now }));
  }
  out(`Imported ${accepted} signal${accepted === 1 ? '' : 's'}${duplicates ? `; ${duplicates} already imported before (unchanged)` : ''}${rejected.length ? `; ${rejected.length} refused by the core` : ''}.`);
  if (rejected.length) {
    for (const r of rejected.slice(0, 50)) err(`  refused ${r.signal.type} ${r.signal.id}: ${r.reason}`);
    return 1;
  }
  return 0;
}
