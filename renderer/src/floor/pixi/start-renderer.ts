/**
 * Starts pixi renderers the way the Floor needs them on software WebGL (SwiftShader, as on this
 * machine's Chromium and on GPU-less wall PCs), where each WebGL context costs hundreds of
 * milliseconds:
 *
 * - The renderer gets a WebGL2 context made here (pixi's `context` option, with the attributes pixi
 *   would ask for itself), and pixi's capability probes use that context. Pixi otherwise opens a
 *   separate "test" context on a fresh canvas to ask for the fragment shader precision and the batch
 *   texture limit (getTestContext), before its own context exists, and then loses it: that was the
 *   largest single cost of the Floor's start. While `start` runs, a WebGL request on another canvas
 *   gets the renderer's context behind a view without WEBGL_lose_context, so a probe cannot lose it.
 *   The probes only read parameters and compile a throw-away shader. Without WebGL2 pixi starts as
 *   it would (its own context and probes).
 * - Batches sample one texture. Pixi's batch shader otherwise picks among up to 16 textures per
 *   pixel with an if/else chain; SwiftShader runs it at a few times the cost of one sample, which at
 *   full-HD fill rate dominated the frame. GPUs lose little: the board's labels share glyph atlases
 *   and its shapes the white texture. The limit is read once, while the renderer starts, from
 *   MAX_TEXTURE_IMAGE_UNITS; it is reported as 1 only then.
 */

/** The options of pixi's that decide the context's attributes (GlContextSystem.init). */
export interface ContextWish {
  /** The background's alpha: below 1 needs an alpha channel. Default 1. */
  backgroundAlpha?: number;
  antialias?: boolean;
  preserveDrawingBuffer?: boolean;
  premultipliedAlpha?: boolean;
  powerPreference?: WebGLPowerPreference;
}

/** Contexts made by renderer/public/early-gl.js while the bundle loaded, by the renderer they are for. */
export type EarlySlot = 'app' | 'board';
type Made = { canvas: HTMLCanvasElement; context: WebGL2RenderingContext };
declare global {
  interface Window {
    __taktEarlyGl?: Partial<Record<EarlySlot, Made | null>>;
  }
}

/** The context early-gl.js made for `slot`, when it is alive and has exactly the attributes wanted. */
function takeEarly(slot: EarlySlot | undefined, attrs: WebGLContextAttributes): Made | null {
  const early = slot ? window.__taktEarlyGl?.[slot] : undefined;
  if (!slot || !early) return null;
  window.__taktEarlyGl![slot] = null; // one renderer per context
  const got = early.context.isContextLost() ? null : early.context.getContextAttributes();
  if (!got) return null;
  const same = (Object.keys(attrs) as (keyof WebGLContextAttributes)[]).every((k) => k === 'powerPreference' || got[k] === attrs[k]);
  return same ? early : null;
}

export async function startRenderer<T>(wish: ContextWish & { early?: EarlySlot }, start: (given: { canvas: HTMLCanvasElement; context: WebGL2RenderingContext } | Record<string, never>) => Promise<T>): Promise<T> {
  const glProtos = [WebGL2RenderingContext.prototype, WebGLRenderingContext.prototype];
  const getParameter = glProtos.map((p) => p.getParameter);
  glProtos.forEach((p, i) => {
    const get = getParameter[i]!;
    p.getParameter = function (this: WebGLRenderingContext, name: number) {
      return name === this.MAX_TEXTURE_IMAGE_UNITS ? 1 : get.call(this, name);
    } as typeof get;
  });
  const attrs: WebGLContextAttributes = {
    alpha: (wish.backgroundAlpha ?? 1) < 1,
    premultipliedAlpha: wish.premultipliedAlpha ?? true,
    antialias: wish.antialias ?? false,
    stencil: true,
    preserveDrawingBuffer: wish.preserveDrawingBuffer ?? false,
    powerPreference: wish.powerPreference ?? 'default',
  };
  const early = takeEarly(wish.early, attrs);
  const canvas = early?.canvas ?? document.createElement('canvas');
  const context = early?.context ?? canvas.getContext('webgl2', attrs);
  const canvasProto = HTMLCanvasElement.prototype;
  const getContext = canvasProto.getContext;
  if (context) {
    canvasProto.getContext = function (this: HTMLCanvasElement, type: string, options?: unknown) {
      if (type === 'webgl' && this !== canvas && !context.isContextLost()) return probeView(context);
      return (getContext as (this: HTMLCanvasElement, t: string, o?: unknown) => RenderingContext | null).call(this, type, options);
    } as typeof getContext;
  }
  try {
    return await start(context ? { canvas, context } : {});
  } finally {
    glProtos.forEach((p, i) => (p.getParameter = getParameter[i]!));
    canvasProto.getContext = getContext;
  }
}

const views = new WeakMap<WebGL2RenderingContext, WebGL2RenderingContext>();

/** `gl` as a probe sees it: the same context, without the extension that would lose it. */
function probeView(gl: WebGL2RenderingContext): WebGL2RenderingContext {
  let v = views.get(gl);
  if (!v) {
    v = new Proxy(gl, {
      get(target, key) {
        if (key === 'getExtension') return (name: string) => (name === 'WEBGL_lose_context' ? null : target.getExtension(name));
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    views.set(gl, v);
  }
  return v;
}
