import { defineConfig } from 'vite';

// Built by scripts/build.mjs into dist/console (the gateway serves it at /); `nx serve console` runs
// Vite's dev server with /v1 proxied to a gateway on port 3000 (VITE_GATEWAY overrides).
export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: '../../dist/console',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  server: {
    proxy: { '/v1': process.env['VITE_GATEWAY'] ?? 'http://localhost:3000' },
  },
});
