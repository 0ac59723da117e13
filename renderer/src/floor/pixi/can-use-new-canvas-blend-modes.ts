/**
 * Replaces pixi's `canUseNewCanvasBlendModes` (vite.config.ts aliases it here). Pixi runs that probe
 * when its canvas utilities are first imported: it draws two 2D canvases and reads a pixel back,
 * which forces a GPU readback while the page starts (~0.1–0.4 s here). Every browser Takt runs in
 * (Electron's Chromium, current Chromium, Firefox, Safari) supports the 'multiply' composite
 * operation the probe looks for, so the answer is known.
 */
export function canUseNewCanvasBlendModes(): boolean {
  return true;
}
