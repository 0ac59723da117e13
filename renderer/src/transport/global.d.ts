/** What the Electron preload exposes; undefined in browser mode. */
interface TaktShellApi {
  shell: 'electron';
  version: string;
  platform: string;
  openWallDisplay(): void;
}

interface Window {
  takt?: TaktShellApi;
  /** Test and benchmark hooks; see renderer/src/debug.ts. */
  __takt?: import('../debug').TaktDebug;
}
