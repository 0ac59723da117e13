/**
 * The core under soak: `takt serve` as a child process on a fixed port (the consoles reconnect to
 * the same address after each restart), on the same data folder every time. Keeps its log, the
 * hashes it logs on resume, and samples its resident memory from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

export interface CoreProcessOptions {
  repoRoot: string;
  port: number;
  dataDir: string;
  plantFile: string;
  speed: number;
  seed: number;
  wallClockFile: string;
  logFile: string;
  /** Where the core appends its heap samples (main/cli/heap-sampler.ts), and how often (ms). */
  heapFile: string;
  heapEveryMs: number;
}

export interface CoreProcess {
  readonly url: string;
  readonly pid: number | undefined;
  /** Resident set size in bytes (from /proc), undefined while down. */
  rss(): number | undefined;
  /**
   * The newest heap sample the running core wrote since the last call (live heap after a full GC,
   * bytes), or undefined when there is none new.
   */
  heapSample(): { heapUsed: number; external: number } | undefined;
  /**
   * Starts the core and resolves once /api/health answers ok: the real times it announced its URL
   * (the socket accepts consoles from then on) and it answered healthy.
   */
  start(): Promise<{ listening: number; healthy: number }>;
  kill9(): Promise<void>;
  /** SIGTERM and wait (a clean stop: last snapshot, store closed). */
  stop(): Promise<void>;
  /** "twin resumed at position P …, hash H" lines so far. */
  resumes: { position: number; hash: string; at: number }[];
  /** The log since `from` (offset into the whole log). */
  logSince(from: number): string;
  logLength(): number;
}

export function coreProcess(o: CoreProcessOptions): CoreProcess {
  let child: ChildProcess | undefined;
  let log = '';
  const resumes: { position: number; hash: string; at: number }[] = [];
  const url = `http://127.0.0.1:${o.port}/`;
  // When the current process announced its URL (read as the output arrives, not when polled).
  let listening = 0;
  let heapLines = 0;
  const add = (d: Buffer) => {
    const t = d.toString();
    log += t;
    if (!listening && /running in browser mode at/.test(t)) listening = Date.now();
    appendFileSync(o.logFile, t);
    for (const m of t.matchAll(/twin resumed at position (\d+) .*?hash (\S+)/g)) resumes.push({ position: Number(m[1]), hash: m[2]!, at: Date.now() });
  };
  return {
    url,
    get pid() {
      return child && child.exitCode === null ? child.pid : undefined;
    },
    resumes,
    logSince: (from) => log.slice(from),
    logLength: () => log.length,
    rss() {
      const pid = child && child.exitCode === null ? child.pid : undefined;
      if (!pid) return undefined;
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        return m ? Number(m[1]) * 1024 : undefined;
      } catch {
        return undefined;
      }
    },
    heapSample() {
      if (!child || child.exitCode !== null) return undefined;
      let lines: string[];
      try {
        lines = readFileSync(o.heapFile, 'utf8').split('\n').filter((l) => l.endsWith('}'));
      } catch {
        return undefined;
      }
      if (lines.length <= heapLines) return undefined;
      heapLines = lines.length;
      try {
        const m = JSON.parse(lines[lines.length - 1]!) as { heapUsed: number; external: number };
        return { heapUsed: m.heapUsed, external: m.external };
      } catch {
        return undefined;
      }
    },
    async start() {
      listening = 0;
      // Each process writes its own samples: a restart starts the file afresh.
      writeFileSync(o.heapFile, '');
      heapLines = 0;
      // --expose-gc: the heap sampler collects before each sample (only under the soak, with TAKT_SOAK_HEAP_FILE).
      const args = ['--expose-gc', 'bin/takt.mjs', 'serve', '--port', String(o.port), '--data', o.dataDir, '--plant', o.plantFile, '--speed', String(o.speed), '--seed', String(o.seed)];
      const p = spawn(process.execPath, args, { cwd: o.repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TAKT_SOAK_WALL_CLOCK_FILE: o.wallClockFile, TAKT_SOAK_HEAP_FILE: o.heapFile, TAKT_SOAK_HEAP_INTERVAL_MS: String(o.heapEveryMs) } });
      child = p;
      const kill = () => p.kill('SIGKILL');
      process.once('exit', kill);
      p.once('exit', () => process.off('exit', kill));
      p.stdout!.on('data', add);
      p.stderr!.on('data', add);
      const deadline = Date.now() + 120_000;
      for (;;) {
        if (p.exitCode !== null) throw new Error(`takt serve exited with ${p.exitCode}: ${log.slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`takt serve did not become healthy within 120 s: ${log.slice(-2000)}`);
        try {
          const r = await fetch(`${url}api/health`, { signal: AbortSignal.timeout(2000) });
          if (r.ok && ((await r.json()) as { ok?: boolean }).ok) return { listening: listening || Date.now(), healthy: Date.now() };
        } catch {
          /* not up yet */
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async kill9() {
      const p = child;
      if (!p || p.exitCode !== null) return;
      await new Promise<void>((r) => {
        p.once('exit', () => r());
        p.kill('SIGKILL');
      });
    },
    async stop() {
      const p = child;
      if (!p || p.exitCode !== null) return;
      await new Promise<void>((r) => {
        const t = setTimeout(() => p.kill('SIGKILL'), 60_000);
        p.once('exit', () => (clearTimeout(t), r()));
        p.kill('SIGTERM');
      });
    },
  };
}
