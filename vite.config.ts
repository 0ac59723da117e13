import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer is one build for both shells: Electron loads dist/renderer/index.html from disk,
// browser mode serves the same files from the core.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../dist/renderer', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2048 },
});
