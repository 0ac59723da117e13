import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The renderer is one build for both shells: Electron loads dist/renderer/index.html from disk,
// browser mode serves the same files from the core.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  resolve: {
    alias: [
      // pixi's canvas blend-mode probe costs a GPU readback at import; its answer is known (see the file).
      { find: /^\.\/canUseNewCanvasBlendModes\.mjs$/, replacement: fileURLToPath(new URL('./renderer/src/floor/pixi/can-use-new-canvas-blend-modes.ts', import.meta.url)) },
    ],
  },
  build: { outDir: '../dist/renderer', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2048 },
});
