/**
 * A recording stand-in for the `electron` module. Tests use it with
 *   vi.mock('electron', () => import('./fake-electron'));
 * and reset it with `resetFakeElectron()` in beforeEach. The real electron module is never
 * evaluated (it would try to download a binary).
 */
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface FakeDisplay {
  id: number;
  bounds: Rect;
  workArea: Rect;
}

export const fake = {
  lock: true,
  isPackaged: false,
  userData: '/tmp/takt-fake-userdata',
  switches: {} as Record<string, string>,
  displays: [] as FakeDisplay[],
  windows: [] as FakeBrowserWindow[],
  forks: [] as FakeUtilityProcess[],
  channels: [] as FakeMessageChannelMain[],
  menus: [] as unknown[],
  errorBoxes: [] as Array<[string, string]>,
  headerHandlers: [] as Array<(details: { responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders?: Record<string, string[]> }) => void) => void>,
  protocolHandlers: new Map<string, (req: { url: string }) => Promise<Response> | Response>(),
  permissionRequestHandler: undefined as undefined | ((wc: unknown, permission: string, cb: (granted: boolean) => void, details?: unknown) => void),
  permissionCheckHandler: undefined as undefined | ((wc: unknown, permission: string) => boolean),
  devicePermissionHandler: undefined as undefined | ((details: unknown) => boolean),
  displayMediaHandler: undefined as undefined | ((req: unknown, cb: (s: unknown) => void) => void),
  exposed: new Map<string, unknown>(),
  ipcSent: [] as Array<{ channel: string; args: unknown[] }>,
  fetched: [] as string[],
  invokeHandlers: new Map<string, (event: unknown, ...args: unknown[]) => unknown>(),
  invoked: [] as Array<{ channel: string; args: unknown[] }>,
  printed: [] as Array<{ url: string | undefined; options: unknown }>,
};

let nextId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  url = '';
  loading = true;
  destroyed = false;
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  posted: Array<{ channel: string; message: unknown; ports: unknown[] }> = [];
  setWindowOpenHandler(h: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = h;
  }
  postMessage(channel: string, message: unknown, ports: unknown[] = []): void {
    this.posted.push({ channel, message, ports });
  }
  isLoading(): boolean {
    return this.loading;
  }
  getURL(): string {
    return this.url;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  reloads = 0;
  reload(): void {
    this.reloads++;
    this.loading = true;
  }
  /** Electron's printToPDF: the fake returns a tiny PDF naming the page it printed. */
  async printToPDF(options: unknown): Promise<Buffer> {
    fake.printed.push({ url: this.url, options });
    return Buffer.from(`%PDF-1.4 fake of ${this.url?.slice(0, 40) ?? ''}`);
  }
  /** Test helper: the page finished loading. */
  finishLoad(): void {
    this.loading = false;
    this.emit('did-finish-load');
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }
}

export class FakeBrowserWindow extends EventEmitter {
  readonly webContents = new FakeWebContents();
  bounds: Rect;
  maximized = false;
  minimized = false;
  destroyed = false;
  shown = false;
  focused = 0;
  loadedUrl: string | undefined;
  constructor(readonly options: Record<string, unknown>) {
    super();
    this.bounds = {
      x: (options.x as number) ?? 100,
      y: (options.y as number) ?? 100,
      width: (options.width as number) ?? 800,
      height: (options.height as number) ?? 600,
    };
    fake.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    this.webContents.url = url;
    return Promise.resolve();
  }
  show(): void {
    this.shown = true;
  }
  focus(): void {
    this.focused++;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  maximize(): void {
    this.maximized = true;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  getNormalBounds(): Rect {
    return { ...this.bounds };
  }
  setBounds(b: Rect): void {
    this.bounds = { ...b };
    this.emit('resize');
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  close(): void {
    if (this.destroyed) return;
    this.emit('close', { preventDefault() {} });
    this.destroyed = true;
    this.webContents.destroy();
    this.emit('closed');
  }
  static getAllWindows(): FakeBrowserWindow[] {
    return fake.windows.filter((w) => !w.destroyed);
  }
  /** Electron's destroy(): closes without a 'close' event. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.webContents.destroy();
    this.emit('closed');
  }
  static fromWebContents(wc: unknown): FakeBrowserWindow | null {
    return fake.windows.find((w) => w.webContents === wc) ?? null;
  }
}

export class FakeUtilityProcess extends EventEmitter {
  posted: Array<{ message: unknown; ports: unknown[] }> = [];
  killed = false;
  constructor(
    readonly modulePath: string,
    readonly args: string[],
    readonly options: Record<string, unknown>,
  ) {
    super();
  }
  postMessage(message: unknown, ports: unknown[] = []): void {
    this.posted.push({ message, ports });
  }
  kill(): boolean {
    this.killed = true;
    this.emit('exit', 0);
    return true;
  }
}

export class FakeMessagePortMain extends EventEmitter {
  constructor(readonly name: string) {
    super();
  }
  start(): void {}
  close(): void {}
  postMessage(_m: unknown): void {}
}

export class FakeMessageChannelMain {
  readonly port1 = new FakeMessagePortMain('port1');
  readonly port2 = new FakeMessagePortMain('port2');
  constructor() {
    fake.channels.push(this);
  }
}

class FakeApp extends EventEmitter {
  commandLine = { getSwitchValue: (name: string) => fake.switches[name] ?? '' };
  requestSingleInstanceLock = vi.fn(() => fake.lock);
  quit = vi.fn();
  enableSandbox = vi.fn();
  get isPackaged(): boolean {
    return fake.isPackaged;
  }
  getVersion(): string {
    return '0.1.0';
  }
  getPath(name: string): string {
    if (name === 'userData') return fake.userData;
    return `/tmp/${name}`;
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
}

export const app = new FakeApp();
export const BrowserWindow = FakeBrowserWindow;
export const MessageChannelMain = FakeMessageChannelMain;
export const utilityProcess = {
  fork: vi.fn((modulePath: string, args: string[] = [], options: Record<string, unknown> = {}) => {
    const p = new FakeUtilityProcess(modulePath, args, options);
    fake.forks.push(p);
    return p;
  }),
};
export const ipcMain = Object.assign(new EventEmitter(), {
  handle: (channel: string, h: (event: unknown, ...args: unknown[]) => unknown) => {
    if (fake.invokeHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    fake.invokeHandlers.set(channel, h);
  },
  removeHandler: (channel: string) => {
    fake.invokeHandlers.delete(channel);
  },
});
export const ipcRenderer = Object.assign(new EventEmitter(), {
  send: (channel: string, ...args: unknown[]) => {
    fake.ipcSent.push({ channel, args });
  },
  invoke: async (channel: string, ...args: unknown[]) => {
    fake.invoked.push({ channel, args });
    return { ok: false, reason: 'fake' };
  },
});
export const contextBridge = {
  exposeInMainWorld: (key: string, value: unknown) => {
    if (fake.exposed.has(key)) throw new Error(`already exposed: ${key}`);
    fake.exposed.set(key, value);
  },
};
export const screen = {
  getAllDisplays: () => fake.displays,
  getPrimaryDisplay: () => fake.displays[0]!,
  getDisplayMatching: (r: Rect) =>
    fake.displays.find((d) => r.x >= d.bounds.x && r.x < d.bounds.x + d.bounds.width && r.y >= d.bounds.y && r.y < d.bounds.y + d.bounds.height) ?? fake.displays[0]!,
};
export const Menu = {
  buildFromTemplate: (template: unknown) => ({ template }),
  setApplicationMenu: (menu: unknown) => {
    fake.menus.push(menu);
  },
};
export const dialog = {
  showSaveDialog: vi.fn(async (..._args: unknown[]) => ({ canceled: true, filePath: '' })),
  showErrorBox: (title: string, content: string) => {
    fake.errorBoxes.push([title, content]);
  },
};
export const net = {
  fetch: async (url: string) => {
    fake.fetched.push(url);
    return new Response('<html></html>', { status: 200, headers: { 'content-type': 'text/html', 'content-security-policy': "default-src *" } });
  },
};
export const session = {
  defaultSession: {
    webRequest: {
      onHeadersReceived: (h: (typeof fake.headerHandlers)[number]) => {
        fake.headerHandlers.push(h);
      },
    },
    protocol: {
      handle: (scheme: string, h: (req: { url: string }) => Promise<Response> | Response) => {
        fake.protocolHandlers.set(scheme, h);
      },
    },
    setPermissionRequestHandler: (h: typeof fake.permissionRequestHandler) => {
      fake.permissionRequestHandler = h;
    },
    setPermissionCheckHandler: (h: typeof fake.permissionCheckHandler) => {
      fake.permissionCheckHandler = h;
    },
    setDevicePermissionHandler: (h: typeof fake.devicePermissionHandler) => {
      fake.devicePermissionHandler = h;
    },
    setDisplayMediaRequestHandler: (h: typeof fake.displayMediaHandler) => {
      fake.displayMediaHandler = h;
    },
  },
};

export function resetFakeElectron(): void {
  fake.lock = true;
  fake.isPackaged = false;
  fake.switches = {};
  fake.displays = [
    { id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 0, width: 1920, height: 1040 } },
    { id: 2, bounds: { x: 1920, y: 0, width: 3840, height: 2160 }, workArea: { x: 1920, y: 0, width: 3840, height: 2160 } },
  ];
  fake.windows = [];
  fake.forks = [];
  fake.channels = [];
  fake.menus = [];
  fake.errorBoxes = [];
  fake.headerHandlers = [];
  fake.protocolHandlers = new Map();
  fake.permissionRequestHandler = undefined;
  fake.permissionCheckHandler = undefined;
  fake.devicePermissionHandler = undefined;
  fake.displayMediaHandler = undefined;
  fake.exposed = new Map();
  fake.ipcSent = [];
  fake.fetched = [];
  fake.invokeHandlers = new Map();
  fake.invoked = [];
  fake.printed = [];
  app.removeAllListeners();
  app.requestSingleInstanceLock.mockClear();
  app.quit.mockClear();
  app.enableSandbox.mockClear();
  utilityProcess.fork.mockClear();
  ipcMain.removeAllListeners();
  ipcRenderer.removeAllListeners();
}
