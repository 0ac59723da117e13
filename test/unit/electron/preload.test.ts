import { beforeAll, describe, expect, it, vi } from 'vitest';
import { fake, ipcRenderer, resetFakeElectron } from './fake-electron';
import type { TaktPreloadApi } from '../../../preload/api';

vi.mock('electron', () => import('./fake-electron'));

const postMessage = vi.fn();
let preload: typeof import('../../../preload/preload');

beforeAll(async () => {
  resetFakeElectron();
  vi.stubGlobal('window', { postMessage });
  process.argv.push('--takt-version=1.2.3');
  preload = await import('../../../preload/preload');
  process.argv.pop();
});

describe('preload', () => {
  it("exposes exactly one global, 'takt', with the typed api and nothing else", () => {
    expect([...fake.exposed.keys()]).toEqual(['takt']);
    const api = fake.exposed.get('takt') as TaktPreloadApi;
    expect(Object.keys(api).sort()).toEqual(['openWallDisplay', 'platform', 'printPdf', 'shell', 'version']);
    expect(api).toMatchObject({ shell: 'electron', version: '1.2.3', platform: process.platform });
    expect(Object.isFrozen(api)).toBe(true);
    expect(JSON.stringify(api)).not.toMatch(/ipcRenderer|send|invoke/);
  });

  it('printPdf invokes the one print channel with two strings, whatever a page passes', async () => {
    const api = fake.exposed.get('takt') as TaktPreloadApi & { printPdf: (...a: unknown[]) => Promise<unknown> };
    await api.printPdf({ toString: () => '<p>report</p>' }, 'shift.pdf', { evil: true });
    expect(fake.invoked).toEqual([{ channel: 'takt:print-pdf', args: ['<p>report</p>', 'shift.pdf'] }]);
  });

  it('openWallDisplay sends one fixed message and drops any arguments a page passes', () => {
    const api = fake.exposed.get('takt') as TaktPreloadApi & { openWallDisplay: (...a: unknown[]) => void };
    api.openWallDisplay('rm -rf /', { evil: true });
    expect(fake.ipcSent).toEqual([{ channel: 'takt:open-wall-display', args: [] }]);
  });

  it('forwards the core port to the page as {type: takt:port} with the port transferred', () => {
    const port = { name: 'port2' };
    ipcRenderer.emit('takt:port', { ports: [port], sender: {} }, { injected: 'payload' });
    expect(postMessage).toHaveBeenCalledTimes(1);
    expect(postMessage).toHaveBeenCalledWith({ type: 'takt:port' }, '*', [port]);
    ipcRenderer.emit('takt:port', { ports: [] });
    expect(postMessage).toHaveBeenCalledTimes(1);
  });

  it('reads only a well-formed version argument', () => {
    expect(preload.versionFromArgv(['--takt-version=0.1.0'])).toBe('0.1.0');
    expect(preload.versionFromArgv(['--takt-version=<script>'])).toBe('unknown');
    expect(preload.versionFromArgv([])).toBe('unknown');
  });
});

// Type-level: the preload's api fits what the renderer declares for `window.takt`
// (renderer/src/transport/global.d.ts). A drift fails `npm run typecheck`.
export function assertRendererCompat(api: TaktPreloadApi): NonNullable<Window['takt']> {
  return api;
}
