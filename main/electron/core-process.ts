/**
 * The plant core in an Electron utilityProcess, and the MessagePorts that join it to windows.
 *
 * Per window load: one MessageChannelMain; port1 goes to the core (`takt:connect`), port2 to the
 * page (`webContents.postMessage('takt:port', null, [port2])`, which the preload forwards to the
 * page as a `window.postMessage({type: 'takt:port'})`). A reload gets a fresh pair. If the core
 * exits unexpectedly it is forked again (a bounded number of times) and every live window rejoins
 * it with a new port (by reloading the page, or by a new port without reload: see `rejoin`).
 */
import { MessageChannelMain, utilityProcess } from 'electron';
import type { UtilityProcess, WebContents } from 'electron';

export const CORE_CONNECT_MESSAGE = 'takt:connect';
export const CORE_SHUTDOWN_MESSAGE = 'takt:shutdown';
export const PORT_CHANNEL = 'takt:port';

export interface CoreProcessOptions {
  /** Absolute path of `dist/core/utility-entry.mjs`. */
  entry: string;
  dataDir: string;
  plantFile?: string;
  /** Restarts allowed within `restartWindowMs` before giving up (default 5 in 60 s). */
  maxRestarts?: number;
  restartWindowMs?: number;
  /** Delay before a restart (default 500 ms). */
  restartDelayMs?: number;
  /** Grace period for a clean shutdown before the process is killed (default 3 s). */
  shutdownTimeoutMs?: number;
  /**
   * How live windows rejoin a restarted core: 'reload' reloads each page (it then gets a port on
   * did-finish-load and starts from a clean state; right for a renderer that takes one port per
   * page load), 'post' hands each page a new port without reloading. Default 'reload'.
   */
  rejoin?: 'reload' | 'post';
  /** Told when the core stopped restarting (the shell shows an error). */
  onGiveUp?: (exitCode: number) => void;
  log?: (line: string) => void;
}

/** Arguments of the utility entry: `--data-dir <dir> [--plant <file>]`. */
export function coreArguments(o: Pick<CoreProcessOptions, 'dataDir' | 'plantFile'>): string[] {
  const args = ['--data-dir', o.dataDir];
  if (o.plantFile) args.push('--plant', o.plantFile);
  return args;
}

export class CoreProcess {
  private child: UtilityProcess | undefined;
  private readonly clients = new Set<WebContents>();
  private stopping = false;
  private restartTimes: number[] = [];
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  /** Number of times the core was forked (1 after start, +1 per restart). */
  forks = 0;

  constructor(private readonly o: CoreProcessOptions) {}

  private log(line: string): void {
    (this.o.log ?? ((l: string) => console.log(l)))(`takt core: ${line}`);
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  start(): void {
    if (this.child || this.stopping) return;
    const child = utilityProcess.fork(this.o.entry, coreArguments(this.o), {
      serviceName: 'Takt core',
      stdio: 'inherit',
      env: { ...process.env, TAKT_SHELL: 'electron' },
    });
    this.child = child;
    this.forks += 1;
    child.on('exit', (code) => this.onExit(child, code));
  }

  /** Joins a window to the core: a port now if its page is loaded, and after every (re)load. */
  attach(contents: WebContents): void {
    if (this.clients.has(contents)) return;
    this.clients.add(contents);
    contents.on('did-finish-load', () => this.handPort(contents));
    contents.once('destroyed', () => this.clients.delete(contents));
    if (!contents.isLoading() && contents.getURL() !== '') this.handPort(contents);
  }

  private handPort(contents: WebContents): void {
    const child = this.child;
    if (!child || contents.isDestroyed()) return;
    const { port1, port2 } = new MessageChannelMain();
    child.postMessage({ type: CORE_CONNECT_MESSAGE, client: contents.id }, [port1]);
    contents.postMessage(PORT_CHANNEL, null, [port2]);
  }

  private onExit(child: UtilityProcess, code: number): void {
    if (this.child !== child) return;
    this.child = undefined;
    if (this.stopping) return;
    const now = Date.now();
    const window = this.o.restartWindowMs ?? 60_000;
    this.restartTimes = this.restartTimes.filter((t) => now - t < window);
    if (this.restartTimes.length >= (this.o.maxRestarts ?? 5)) {
      this.log(`exited with code ${code}; it failed ${this.restartTimes.length} times in ${window / 1000} s, not restarting. See the log above for the cause.`);
      this.o.onGiveUp?.(code);
      return;
    }
    this.restartTimes.push(now);
    this.log(`exited unexpectedly with code ${code}; restarting`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.start();
      for (const contents of this.clients) {
        if (contents.isDestroyed() || contents.isLoading()) continue; // a loading page gets its port on did-finish-load
        if ((this.o.rejoin ?? 'reload') === 'reload') contents.reload();
        else this.handPort(contents);
      }
    }, this.o.restartDelayMs ?? 500);
  }

  /** Asks the core to close cleanly; kills it after the grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve();
      }, this.o.shutdownTimeoutMs ?? 3000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.postMessage({ type: CORE_SHUTDOWN_MESSAGE });
    });
    this.child = undefined;
  }
}
