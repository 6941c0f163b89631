/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * Cross-origin isolation lets tfjs's wasm backend use threads (SharedArrayBuffer). `credentialless` keeps
 * cross-origin fetches with CORS (the Hugging Face Hub, a mirror) working.
 */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'credentialless',
};

export default defineConfig({
  plugins: [react()],
  server: {
    headers: isolationHeaders,
    // The harness page (e2e/harness) reads the shared reference fixtures beside the checkout.
    fs: { allow: ['.', '../shared'] },
  },
  preview: { headers: isolationHeaders },
  worker: {
    format: 'es',
    rolldownOptions: {
      // tfjs's threaded wasm backend starts its pthreads from `factory.toString()`: compressing the bundle
      // hoists helpers out of that function and the threads die with "e is not defined". Renaming locals
      // (mangle) is safe; compression is not.
      output: { minify: { compress: false, mangle: true, codegen: { removeWhitespace: true } } },
    },
  },
  optimizeDeps: {
    // ffmpeg.wasm's core is loaded by URL (`?url`), never bundled: pre-bundling would break that URL.
    exclude: ['@ffmpeg/core'],
    // Pre-bundled together up front: discovered late (from inside the workers), they were bundled again
    // with their own copy of tfjs-core, whose kernel registry the engine does not see.
    include: [
      '@tensorflow/tfjs',
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-backend-webgl',
      '@tensorflow/tfjs-backend-wasm',
      '@tensorflow/tfjs-backend-webgpu',
      'comlink',
      'mp4box',
      'fflate',
      'zustand',
      'recharts',
    ],
  },
  build: {
    target: 'es2022',
    // tfjs with four backends is large by nature; it loads in the worker, not on the page's critical path.
    chunkSizeWarningLimit: 4096,
  },
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['src/test-setup.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
