/**
 * A real three-node NATS JetStream cluster for tests (Debian `nats-server`): each node on its own
 * free client, cluster-route and monitoring port, with its own store folder, all routed to each
 * other. A node can be stopped (SIGTERM), killed (SIGKILL) and started again on the same ports and
 * store, so a test can take one node away mid-run and bring it back. `close()` stops every node and
 * removes the folders.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './mosquitto';

export const NATS_SERVER = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';

export interface NatsNode {
  name: string;
  port: number;
  url: string;
  /** Monitoring port (`/healthz`, `/jsz`). */
  httpPort: number;
  running(): boolean;
  log(): string;
  /** Graceful stop (SIGTERM). */
  stop(): Promise<void>;
  /** SIGKILL: the node vanishes mid-whatever, as a crashed machine does. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and store; resolves once it is healthy. */
  start(): Promise<void>;
}

export interface NatsCluster {
  nodes: NatsNode[];
  /** Every node's client URL, comma-separated (what `--nats` takes). */
  urls: string;
  /** Waits until every running node reports JetStream healthy. */
  healthy(ms?: number): Promise<void>;
  close(): Promise<void>;
}

async function fetchOk(url: string): Promise<boolean> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return r.ok;
  } catch {
    return false;
  }
}

/** Starts `size` (default 3) routed JetStream nodes and waits until each reports healthy (`size: 1`: one plain server). */
export async function startNatsCluster(opts: { size?: number; name?: string } = {}): Promise<NatsCluster> {
  const size = opts.size ?? 3;
  const clusterName = opts.name ?? 'takt-test';
  const dir = mkdtempSync(join(tmpdir(), 'takt-nats-'));
  const ports: { client: number; route: number; http: number }[] = [];
  for (let i = 0; i < size; i++) ports.push({ client: await freePort(), route: await freePort(), http: await freePort() });
  const routes = ports.map((p) => `nats-route://127.0.0.1:${p.route}`);

  const nodes: NatsNode[] = ports.map((p, i) => {
    const name = `n${i + 1}`;
    const store = join(dir, name);
    mkdirSync(store, { recursive: true });
    const conf = join(dir, `${name}.conf`);
    writeFileSync(
      conf,
      [
        `server_name: ${name}`,
        `listen: 127.0.0.1:${p.client}`,
        `http: 127.0.0.1:${p.http}`,
        `jetstream { store_dir: "${store}" }`,
        // One node is a plain JetStream server (tests of a single broker); more are routed to each other.
        ...(size > 1
          ? [`cluster {`, `  name: ${clusterName}`, `  listen: 127.0.0.1:${p.route}`, `  routes: [${routes.filter((_, j) => j !== i).map((r) => `"${r}"`).join(', ')}]`, `}`]
          : []),
        '',
      ].join('\n'),
    );
    let proc: ChildProcess | undefined;
    let text = '';
    const running = () => proc !== undefined && proc.exitCode === null && proc.signalCode === null;
    const end = async (signal: NodeJS.Signals) => {
      const pr = proc;
      proc = undefined;
      if (!pr || pr.exitCode !== null || pr.signalCode !== null) return;
      await new Promise<void>((r) => {
        pr.once('exit', () => r());
        pr.kill(signal);
      });
    };
    return {
      name,
      port: p.client,
      url: `nats://127.0.0.1:${p.client}`,
      httpPort: p.http,
      running,
      log: () => text,
      stop: () => end('SIGTERM'),
      kill: () => end('SIGKILL'),
      async start() {
        if (running()) return;
        const pr = spawn(NATS_SERVER, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
        proc = pr;
        // A test that exits without close() must not leave its servers running.
        const kill = () => pr.kill('SIGKILL');
        process.once('exit', kill);
        pr.once('exit', () => process.off('exit', kill));
        pr.stderr!.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.length > 200_000) text = text.slice(-100_000);
        });
        // Listening is enough here: JetStream health needs a quorum, which the cluster waits for as a whole.
        const deadline = Date.now() + 20_000;
        while (!(await fetchOk(`http://127.0.0.1:${p.http}/varz`))) {
          if (!running()) throw new Error(`nats-server ${name} exited (${pr.exitCode ?? pr.signalCode}) on port ${p.client}:\n${text.slice(-4000)}`);
          if (Date.now() > deadline) throw new Error(`nats-server ${name} did not listen on port ${p.client} within 20 s:\n${text.slice(-4000)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      },
    };
  });

  const healthy = async (ms = 60_000) => {
    const deadline = Date.now() + ms;
    for (const n of nodes) {
      if (!n.running()) continue;
      // /healthz answers 200 once JetStream is enabled and this node has caught up with the meta leader.
      while (!(await fetchOk(`http://127.0.0.1:${n.httpPort}/healthz`))) {
        if (Date.now() > deadline) throw new Error(`nats-server ${n.name} was not healthy within ${ms} ms:\n${n.log().slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };

  try {
    await Promise.all(nodes.map((n) => n.start()));
    await healthy();
  } catch (e) {
    await Promise.all(nodes.map((n) => n.kill()));
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    nodes,
    urls: nodes.map((n) => n.url).join(','),
    healthy,
    async close() {
      await Promise.all(nodes.map((n) => n.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
