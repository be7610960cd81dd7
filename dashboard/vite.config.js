import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Served by wrenn-cp under /dashboard/; hashed file names under assets/ let it cache them for good.
export default defineConfig({
  base: '/dashboard/',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The CSP allows no inline script: keep everything in files.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: { '/v1': { target: process.env.WRENN_API_URL ?? 'http://127.0.0.1:8000', ws: true } },
  },
});
