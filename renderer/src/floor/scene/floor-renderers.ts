/**
 * Starts the Floor's two pixi renderers: the Application (the overlay's transparent canvas, and the
 * ticker) and the board's own renderer. pixi draws both with its Canvas renderer by default, WebGL
 * on request (pixi/floor-renderer.ts says why). `prewarmFloor` starts them before React mounts the
 * Floor, so that overlaps connecting to the core and loading the plant.
 */
import 'pixi.js/unsafe-eval';
// pixi's browser extensions (events, accessibility, DOM) load with the page instead of by a dynamic
// import when the first renderer starts: in browser mode that import's files were requested while
// the core was booting in the same thread, and the Floor's start waited for them.
import 'pixi.js/browser';
import { Application, autoDetectRenderer, type Renderer } from 'pixi.js';
import { startRenderer } from '../pixi/start-renderer';
import { pageFloorRenderer, type FloorRendererKind } from '../pixi/floor-renderer';
import { BG } from './board-style';

const common = () => ({
  // No MSAA: in software WebGL (SwiftShader) 4× multisampling of a full-HD canvas costs most of the frame.
  antialias: false,
  autoDensity: true,
  resolution: Math.min(2, window.devicePixelRatio || 1),
  preference: pageFloorRenderer(),
});

/** Starts a renderer of `kind`: WebGL through startRenderer (its context and probes), the 2D canvas as pixi does. */
function startKind<T>(kind: FloorRendererKind, wish: Parameters<typeof startRenderer>[0], start: (given: object) => Promise<T>): Promise<T> {
  return kind === 'webgl' ? startRenderer(wish, start) : start({});
}
/** Selection, hover and the minimap: transparent, drawn when they (or the view) change. */
const appOptions = () => ({ ...common(), backgroundAlpha: 0 });
/**
 * The board (zones, rails, machines, labels): drawn only where something changed. The drawing
 * buffer is kept between frames so a partial redraw leaves the rest of the board as it was.
 */
const boardOptions = () => ({
  ...common(),
  background: BG,
  preserveDrawingBuffer: true,
  // Most board items are drawn only in a full redraw (pan, zoom, resize): pixi must not free their
  // text textures and buffers as "unused" meanwhile, or each partial redraw would re-upload them.
  gcActive: false,
  renderableGCActive: false,
  textureGCActive: false,
});

export interface FloorRenderers {
  app: Application;
  board: Renderer;
}

let prewarmed: { app: Application; ready: Promise<void>; board: Promise<Renderer> } | null = null;

/**
 * Starts pixi's renderers (WebGL contexts, shaders) before React mounts the Floor, so it overlaps
 * connecting to the core and loading the plant. The next FloorScene takes them over.
 */
export function prewarmFloor(): void {
  if (prewarmed) return;
  const app = new Application();
  // 1×1: the Floor sizes both canvases to its host once mounted; a drawing buffer made at window size
  // would be allocated twice (a WebGL canvas resize reallocates it).
  const size = { width: 1, height: 1 };
  const kind = pageFloorRenderer();
  const ready = startKind(kind, { ...appOptions(), early: 'app' }, (given) => app.init({ ...appOptions(), ...size, ...given }));
  const p = { app, ready, board: ready.then(() => startKind(kind, { ...boardOptions(), early: 'board' }, (given) => autoDetectRenderer({ ...boardOptions(), ...size, ...given }))) };
  prewarmed = p;
  Promise.all([p.ready, p.board]).catch(() => {
    if (prewarmed === p) prewarmed = null;
  });
}

/** The prewarmed renderers if any (sized to `host` from now on), else new ones at its size. */
export async function startFloorRenderers(host: HTMLElement): Promise<FloorRenderers> {
  const warm = prewarmed;
  prewarmed = null;
  const size = { width: Math.max(1, host.clientWidth), height: Math.max(1, host.clientHeight) };
  if (warm) {
    await warm.ready;
    const board = await warm.board;
    warm.app.resizeTo = host;
    return { app: warm.app, board };
  }
  const app = new Application();
  const kind = pageFloorRenderer();
  await startKind(kind, { ...appOptions(), early: 'app' }, (given) => app.init({ ...appOptions(), resizeTo: host, ...given }));
  const board = await startKind(kind, { ...boardOptions(), early: 'board' }, (given) => autoDetectRenderer({ ...boardOptions(), ...size, ...given }));
  return { app, board };
}
