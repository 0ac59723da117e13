/**
 * A real mosquitto broker for tests and the mqtt benchmark: started on a free port with a temporary
 * config and persistence folder (so queued QoS 1 messages and persistent sessions survive a
 * restart), stopped with SIGTERM (mosquitto writes its persistence file on a clean exit) and
 * restarted on the same port.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO = process.env.MOSQUITTO ?? '/usr/sbin/mosquitto';
const MOSQUITTO_PASSWD = '/usr/bin/mosquitto_passwd';

export interface Mosquitto {
  port: number;
  url: string;
  dir: string;
  /** Broker log so far (stderr). */
  log(): string;
  /** The running broker's process id (benchmarks read its CPU time), undefined while stopped. */
  pid(): number | undefined;
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops and removes the temporary folder. */
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ port, host: '127.0.0.1' });
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });
}

/** `users`: name → password; with them, anonymous clients are refused. */
export async function startMosquitto(opts: { extraConfig?: string[]; users?: Record<string, string> } = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'takt-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  const passwd = join(dir, 'passwd');
  if (opts.users) {
    writeFileSync(passwd, '');
    for (const [user, password] of Object.entries(opts.users)) execFileSync(MOSQUITTO_PASSWD, ['-b', passwd, user, password]);
  }
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      ...(opts.users ? ['allow_anonymous false', `password_file ${passwd}`] : ['allow_anonymous true']),
      'persistence true',
      `persistence_location ${dir}/`,
      'autosave_interval 0',
      // Large queues: a persistent session must be able to hold a whole test stream while the consumer is away.
      'max_queued_messages 0',
      'max_queued_bytes 0',
      'max_inflight_messages 0',
      'set_tcp_nodelay true',
      // Started as root (CI containers), mosquitto drops to the 'mosquitto' user, which cannot write our temp folder.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      ...(opts.extraConfig ?? []),
      '',
    ].join('\n'),
  );
  let proc: ChildProcess | undefined;
  let logText = '';
  const start = async () => {
    const p = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc = p;
    // A test or bench that exits without close() must not leave its broker running.
    const kill = () => p.kill('SIGKILL');
    process.once('exit', kill);
    p.once('exit', () => process.off('exit', kill));
    p.stderr!.on('data', (d: Buffer) => {
      logText += d.toString();
      if (logText.length > 100_000) logText = logText.slice(-50_000);
    });
    const exited = new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (await canConnect(port)) return;
      const dead = await Promise.race([exited, new Promise<'alive'>((r) => setTimeout(() => r('alive'), 50))]);
      if (dead !== 'alive') throw new Error(`mosquitto exited with ${dead} on port ${port}: ${logText}`);
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on port ${port} within 10 s: ${logText}`);
    }
  };
  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((r) => {
      p.once('exit', () => r());
      p.kill('SIGTERM');
    });
  };
  await start();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    dir,
    log: () => logText,
    pid: () => (proc && proc.exitCode === null ? proc.pid : undefined),
    stop,
    start,
    async restart() {
      await stop();
      await start();
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
