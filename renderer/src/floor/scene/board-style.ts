/**
 * How the board looks: its colours and font, the state shapes, a line's exception badge and detail
 * text. Shared by the board, token and overlay layers.
 */
import type { Graphics } from 'pixi.js';
import type { LineView } from '../../../../shared/twin/view';
import { colorNumber, NEUTRAL_INK, states, type Shape } from '../../app/states';

export const BG = 0xd9dcdf;
export const ZONE_FILL = 0xe6e8ea;
export const ZONE_LINE = 0xb4b9be;
export const BOX_FILL = 0xc4c9ce;
export const BOX_LINE = 0x7d848b;
export const RAIL = 0xa9aeb3;
export const INK = colorNumber(NEUTRAL_INK);
export const INK_2 = 0x4f565d;
export const TOKEN = 0x3c4248;
export const FOCUS = 0x1a4d99;
export const FONT = 'system-ui, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';

/** Exception badge of a line: QA holds first, then the worst machine alarm. */
export function badgeOf(v: LineView): { text: string; color: number; shape: Shape } | null {
  if (v.holds.length) return { text: v.holds.length > 1 ? `QA HOLD ×${v.holds.length}` : 'QA HOLD', color: colorNumber(states.held.color), shape: 'pause' };
  if (v.alarm === 'escalated') return { text: 'LONG STOP', color: colorNumber(states.down.color), shape: 'octagon' };
  if (v.alarm === 'overrun') return { text: 'OVERRUN', color: colorNumber(states.starved.color), shape: 'triangle-up' };
  return null;
}

/** Opaque blend of `a` over `b` (so rails and tokens never show through a box). */
export function mix(a: number, b: number, t: number): number {
  const ch = (c: number, s: number) => (c >> s) & 0xff;
  const m = (s: number) => Math.round(ch(a, s) * t + ch(b, s) * (1 - t)) << s;
  return m(16) | m(8) | m(0);
}

export function lineDetail(v: LineView): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-GB');
  const order = v.currentOrderId ? `${v.currentSku ?? '?'} · ${v.currentOrderId}` : 'no order';
  return `${order} · good ${n(v.good)} · scrap ${n(v.scrap)} · WIP ${n(v.wip)}`;
}

/** Draws a state shape centred at (0,0) with radius r; `badge` adds a light disc behind it. */
export function drawShape(g: Graphics, shape: Shape, color: number, r: number, badge = false): void {
  if (badge) g.circle(0, 0, r + 3).fill(0xf4f5f6).stroke({ width: 1, color: 0x8a9096 });
  switch (shape) {
    case 'octagon': {
      const pts: number[] = [];
      for (let i = 0; i < 8; i++) {
        const a = Math.PI / 8 + (i * Math.PI) / 4;
        pts.push(Math.cos(a) * r, Math.sin(a) * r);
      }
      g.poly(pts).fill(color);
      break;
    }
    case 'diamond':
      g.poly([0, -r, r, 0, 0, r, -r, 0]).fill(color);
      break;
    case 'circle':
      g.circle(0, 0, r * 0.85).fill(color);
      break;
    case 'triangle-down':
      g.poly([-r, -r * 0.75, r, -r * 0.75, 0, r]).fill(color);
      break;
    case 'triangle-up':
      g.poly([0, -r, r, r * 0.75, -r, r * 0.75]).fill(color);
      break;
    case 'pause':
      g.rect(-r * 0.8, -r * 0.85, r * 0.6, r * 1.7).fill(color);
      g.rect(r * 0.2, -r * 0.85, r * 0.6, r * 1.7).fill(color);
      break;
    case 'question':
      g.circle(0, 0, r * 0.85).stroke({ width: 2.5, color });
      g.circle(0, r * 0.35, 1.6).fill(color);
      g.moveTo(-r * 0.3, -r * 0.25).arc(0, -r * 0.25, r * 0.3, Math.PI, Math.PI * 2.4).stroke({ width: 2, color });
      break;
    default:
      break;
  }
}
