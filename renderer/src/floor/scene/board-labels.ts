/**
 * The board's texts: the static names (Text) and the live labels that change while the floor runs
 * (BitmapText on WebGL, Text on the 2D canvas; see `label`), and the resolution they are rasterised at.
 */
import { BitmapFontManager, BitmapText, RendererType, Text, type Renderer, type TextStyleOptions } from 'pixi.js';
import { FONT } from './board-style';

/** A live label: BitmapText on WebGL, Text on the 2D canvas (see `label`). */
export type Label = Text | BitmapText;

const TEXT_RES = 2;
/** How long the zoom must stay put before the 2D canvas re-rasterises labels for it. */
const TEXT_SETTLE_MS = 150;

// Glyph atlases for the live labels (BitmapText) at twice the pixel density, as crisp as TEXT_RES.
BitmapFontManager.defaultOptions.resolution = 2;

export class BoardLabels {
  /** Every Text on the board, and the resolution they are rasterised at (`fitZoom`). */
  private readonly texts = new Set<Text>();
  private res = TEXT_RES;
  private scaleSeen = NaN;
  private scaleAt = 0;

  constructor(private readonly renderer: Renderer) {}

  text(text: string, style: TextStyleOptions): Text {
    const t = new Text({ text, style: { fontFamily: FONT, ...style }, resolution: this.res });
    this.texts.add(t);
    return t;
  }

  /**
   * Text that changes while the floor runs (states, counts, badges). On WebGL, glyphs from a shared
   * atlas, so a new value only re-lays quads (a Text would re-rasterise and upload a texture per
   * change, hundreds a second under a busy delta stream). On the 2D canvas, a Text: re-rasterising
   * it is a fillText on its own small canvas with no upload, and it stays as crisp as the static
   * names, where the canvas renderer's scaled glyph blits lose thin strokes (hyphens).
   */
  label(text: string, style: TextStyleOptions): Label {
    if (this.renderer.type === RendererType.CANVAS) return this.text(text, style);
    return new BitmapText({ text, style: { fontFamily: FONT, ...style } });
  }

  /**
   * On the 2D canvas, once the zoom has settled (TEXT_SETTLE_MS), every Text is rasterised at the
   * pixel density it is shown at, so a label is drawn 1:1 with the font's own hinting instead of a
   * TEXT_RES raster scaled down (at the fit zoom of a small screen, to a quarter: hyphens and dots
   * vanished). It costs one fillText per label per zoom change. WebGL keeps TEXT_RES: there each
   * re-rasterisation is a texture upload. True when the texts were re-rasterised (the board must be
   * redrawn whole).
   */
  fitZoom(scale: number, now: number): boolean {
    if (this.renderer.type !== RendererType.CANVAS) return false;
    const want = Math.min(4, Math.max(0.5, scale * this.renderer.resolution));
    if (want === this.res) return false;
    // Right after a build nothing is rasterised yet: take the zoom at once (one rasterisation, not two).
    const built = Number.isNaN(this.scaleSeen);
    if (!built && scale !== this.scaleSeen) {
      this.scaleSeen = scale;
      this.scaleAt = now;
      return false;
    }
    if (!built && now - this.scaleAt < TEXT_SETTLE_MS) return false;
    this.scaleSeen = scale;
    this.res = want;
    for (const t of this.texts) if (!t.destroyed) t.resolution = want;
    return true;
  }

  /** The board was cleared: forget its texts. */
  clear(): void {
    this.texts.clear();
    this.scaleSeen = NaN;
  }
}
