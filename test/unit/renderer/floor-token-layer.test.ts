/**
 * The token layer touches its canvas only when its pixels change (a whole device pixel of travel,
 * a count, the view, the overlay), and shows the overlay's pixels where the overlay drew. Runs in
 * Node with a recording stand-in for the 2D canvas.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenLayer } from '../../../renderer/src/floor/scene/token-layer';
import type { FloorLayout } from '../../../renderer/src/floor/layout';
import type { FloorCamera } from '../../../renderer/src/floor/scene/camera';
import type { LineView } from '../../../shared/twin/view';

/** Calls made on every fake 2D context, by method name. */
let calls: { name: string; args: unknown[] }[] = [];
const fakeContext = () =>
  new Proxy({} as Record<string, unknown>, {
    get(target, key) {
      if (typeof key !== 'string') return undefined;
      if (key in target) return target[key];
      return (...args: unknown[]) => calls.push({ name: key, args });
    },
    set(target, key, value) {
      target[key as string] = value;
      return true;
    },
  });
const fakeCanvas = () => ({ width: 0, height: 0, style: {}, setAttribute() {}, getContext: fakeContext });

beforeEach(() => {
  calls = [];
  vi.stubGlobal('document', { createElement: () => fakeCanvas() });
  vi.stubGlobal('createImageBitmap', () => new Promise(() => undefined));
});
afterEach(() => vi.unstubAllGlobals());

const layout = { lines: [{ id: 'L1', lane: [{ x: 0, y: 10 }, { x: 1000, y: 10 }], bounds: { x: 0, y: 0, w: 1000, h: 20 } }] } as unknown as FloorLayout;
const running = { wip: 100, status: 'running', currentOrderId: 'O1' } as LineView;
const camera = (scale: number, x = 0) => ({ scale, x, y: 0 }) as FloorCamera;
/** Clears of the whole token canvas (the token sprite, drawn once per zoom, is cleared too: left out). */
const clears = () => calls.filter((c) => c.name === 'clearRect' && Number(c.args[2]) >= 800).length;

function started(scale = 0.5) {
  const t = new TokenLayer();
  t.build(layout, 100);
  const lane = t.lane('L1')!;
  t.setFlow(lane, running);
  lane.moving = true;
  t.draw(camera(scale), 800, 600, 1);
  return { t, lane };
}

describe('token layer', () => {
  it('draws at first, then leaves the canvas alone until the tokens moved a whole device pixel', () => {
    const { t, lane } = started(0.5);
    expect(clears()).toBe(1);
    expect(lane.count).toBe(10);
    // 36 world px/s at 0.5 screen px per world px: 0.3 device px a frame at 60 Hz.
    for (let frame = 1; frame <= 3; frame++) {
      t.advance(1 / 60);
      t.draw(camera(0.5), 800, 600, 1);
      expect(clears(), `frame ${frame}`).toBe(1);
      expect(lane.phase).toBe(0);
    }
    t.advance(1 / 60);
    t.draw(camera(0.5), 800, 600, 1);
    expect(clears()).toBe(2);
    // All the travel held back is applied at once.
    expect(lane.phase).toBeCloseTo((4 * 36) / 60, 9);
  });

  it('redraws when a count, the view or the overlay changed', () => {
    const { t, lane } = started(0.5);
    t.setFlow(lane, { ...running, wip: 50 });
    t.draw(camera(0.5), 800, 600, 1);
    expect(clears()).toBe(2);
    t.draw(camera(0.5, 10), 800, 600, 1);
    expect(clears()).toBe(3);
    t.draw(camera(0.5, 10), 800, 600, 1);
    expect(clears()).toBe(3);
    const overlay = { canvas: fakeCanvas() as unknown as CanvasImageSource, rects: [{ x: 10.5, y: 20, w: 30, h: 40 }], changed: true };
    t.draw(camera(0.5, 10), 800, 600, 2, overlay);
    expect(clears()).toBe(4);
    // The overlay's pixels where it drew, whole device pixels (resolution 2), copied in place.
    const blit = calls.filter((c) => c.name === 'drawImage' && c.args[0] === overlay.canvas);
    expect(blit.map((c) => c.args.slice(1))).toEqual([[21, 40, 60, 80, 21, 40, 60, 80]]);
    // An unchanged overlay over still tokens: nothing to draw.
    t.draw(camera(0.5, 10), 800, 600, 2, { ...overlay, changed: false });
    expect(clears()).toBe(4);
  });
});
