/** What the Electron preload exposes; undefined in browser mode. */
interface TaktShellApi {
  shell: 'electron';
  version: string;
  platform: string;
  openWallDisplay(): void;
  /** Electron printToPDF of report HTML, saved where the person chooses (preload/api.ts). */
  printPdf(html: string, suggestedName: string): Promise<{ ok: true; path: string; bytes: number } | { ok: false; reason: string }>;
}

interface Window {
  takt?: TaktShellApi;
  /** Test and benchmark hooks; see renderer/src/debug.ts. */
  __takt?: import('../debug').TaktDebug;
  /** Test/bench aid for the timeline (renderer/src/views/TimelineView.tsx; never for features). */
  __taktTimeline?: { visible(): [number, number]; timeToClientX(t: number): number; bars: number; now: number; startTime: number };
}
