import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// The playground, built into dist/web, which the coordinator serves at / (see
// apps/coordinator/src/playground). Everything is bundled: no CDN, works offline.
export default defineConfig({
  root: here('.'),
  base: '/',
  publicDir: false,
  resolve: {
    alias: [
      { find: /^@kiln\/client$/, replacement: here('../libs/client/src/index.ts') },
      { find: /^@kiln\/tasks\/(.*)$/, replacement: here('../libs/tasks/src/$1') },
    ],
  },
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    // Browsers that run ES2022 preload modules natively; the polyfill would be dead code.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1024,
  },
  logLevel: 'warn',
});
