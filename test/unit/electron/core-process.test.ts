import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fake, FakeWebContents, resetFakeElectron, utilityProcess } from './fake-electron';

vi.mock('electron', () => import('./fake-electron'));

const { CoreProcess, coreArguments, PORT_CHANNEL, CORE_CONNECT_MESSAGE } = await import('../../../main/electron/core-process');
const preloadApi = await import('../../../preload/api');

beforeEach(() => {
  resetFakeElectron();
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

const opts = { entry: '/opt/takt/dist/core/utility-entry.mjs', dataDir: '/data', plantFile: '/plant.yaml', log: () => {} };

function loadedContents(): FakeWebContents {
  const wc = new FakeWebContents();
  wc.url = 'file:///opt/takt/dist/renderer/index.html';
  return wc;
}

describe('CoreProcess', () => {
  it('forks the utility entry with the data dir and plant file', () => {
    new CoreProcess(opts).start();
    expect(utilityProcess.fork).toHaveBeenCalledTimes(1);
    const child = fake.forks[0]!;
    expect(child.modulePath).toBe(opts.entry);
    expect(child.args).toEqual(['--data-dir', '/data', '--plant', '/plant.yaml']);
    expect(child.options.serviceName).toBe('Takt core');
    expect(coreArguments({ dataDir: '/d' })).toEqual(['--data-dir', '/d']);
  });

  it('hands port1 to the core and port2 to each window after did-finish-load', () => {
    const core = new CoreProcess(opts);
    core.start();
    const consoleWc = new FakeWebContents();
    const wallWc = new FakeWebContents();
    core.attach(consoleWc as never);
    core.attach(wallWc as never);
    expect(fake.channels).toHaveLength(0); // nothing before the page is loaded
    consoleWc.finishLoad();
    wallWc.finishLoad();
    expect(fake.channels).toHaveLength(2);
    const child = fake.forks[0]!;
    expect(child.posted.map((p) => p.ports[0])).toEqual([fake.channels[0]!.port1, fake.channels[1]!.port1]);
    expect(child.posted[0]!.message).toEqual({ type: CORE_CONNECT_MESSAGE, client: consoleWc.id });
    expect(consoleWc.posted).toEqual([{ channel: 'takt:port', message: null, ports: [fake.channels[0]!.port2] }]);
    expect(wallWc.posted).toEqual([{ channel: 'takt:port', message: null, ports: [fake.channels[1]!.port2] }]);
    expect(PORT_CHANNEL).toBe(preloadApi.PORT_CHANNEL);
  });

  it('gives a reloaded page a fresh port pair, and an already loaded page one at once', () => {
    const core = new CoreProcess(opts);
    core.start();
    const wc = loadedContents();
    wc.loading = false;
    core.attach(wc as never);
    expect(wc.posted).toHaveLength(1);
    wc.finishLoad();
    expect(wc.posted).toHaveLength(2);
    expect(wc.posted[1]!.ports[0]).not.toBe(wc.posted[0]!.ports[0]);
    core.attach(wc as never); // attaching twice does not double the ports
    wc.finishLoad();
    expect(wc.posted).toHaveLength(3);
  });

  it('restarts the core after an unexpected exit and reloads live windows, which then get a new port', () => {
    const core = new CoreProcess({ ...opts, restartDelayMs: 100 });
    core.start();
    const wc = new FakeWebContents();
    core.attach(wc as never);
    wc.finishLoad();
    fake.forks[0]!.emit('exit', 1);
    vi.advanceTimersByTime(100);
    expect(fake.forks).toHaveLength(2);
    expect(wc.reloads).toBe(1);
    expect(wc.posted).toHaveLength(1); // no port until the reloaded page is loaded
    wc.finishLoad();
    expect(wc.posted).toHaveLength(2);
    expect(fake.forks[1]!.posted[0]!.ports[0]).toBe(fake.channels.at(-1)!.port1);
  });

  it("with rejoin 'post', restarts the core and re-hands ports to live windows without reload", () => {
    const core = new CoreProcess({ ...opts, restartDelayMs: 100, rejoin: 'post' });
    core.start();
    const wc = new FakeWebContents();
    const gone = new FakeWebContents();
    core.attach(wc as never);
    core.attach(gone as never);
    wc.finishLoad();
    gone.finishLoad();
    gone.destroy();
    fake.forks[0]!.emit('exit', 1);
    expect(core.running).toBe(false);
    vi.advanceTimersByTime(100);
    expect(fake.forks).toHaveLength(2);
    expect(core.forks).toBe(2);
    expect(wc.posted).toHaveLength(2);
    expect(fake.forks[1]!.posted).toHaveLength(1);
    expect(fake.forks[1]!.posted[0]!.ports[0]).toBe(fake.channels.at(-1)!.port1);
    expect(wc.reloads).toBe(0);
  });

  it('stops restarting after too many failures and reports it', () => {
    const onGiveUp = vi.fn();
    const core = new CoreProcess({ ...opts, maxRestarts: 2, restartDelayMs: 10, onGiveUp });
    core.start();
    for (let i = 0; i < 3; i++) {
      fake.forks.at(-1)!.emit('exit', 7);
      vi.advanceTimersByTime(10);
    }
    expect(fake.forks).toHaveLength(3);
    expect(onGiveUp).toHaveBeenCalledWith(7);
  });

  it('shuts the core down cleanly on stop and does not restart it', async () => {
    const core = new CoreProcess(opts);
    core.start();
    const child = fake.forks[0]!;
    const stopped = core.stop();
    expect(child.posted.at(-1)!.message).toEqual({ type: 'takt:shutdown' });
    child.emit('exit', 0);
    await stopped;
    vi.advanceTimersByTime(10_000);
    expect(fake.forks).toHaveLength(1);
    expect(child.killed).toBe(false);
  });

  it('kills a core that does not exit within the grace period', async () => {
    const core = new CoreProcess({ ...opts, shutdownTimeoutMs: 50 });
    core.start();
    const stopped = core.stop();
    vi.advanceTimersByTime(50);
    await stopped;
    expect(fake.forks[0]!.killed).toBe(true);
    expect(fake.forks).toHaveLength(1);
  });
});
