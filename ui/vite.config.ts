/// <reference types="vitest/config" />
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";

const uiRoot = fileURLToPath(new URL(".", import.meta.url));
// Set by `tauri dev` when the webview runs on another device (mobile); unset on desktop.
const devHost = process.env.TAURI_DEV_HOST;

export default defineConfig({
  root: uiRoot,
  plugins: [svelte(), svelteTesting()],
  // Tauri prints its own output; keep Rust errors visible.
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
    host: devHost || false,
    hmr: devHost ? { protocol: "ws", host: devHost, port: 5174 } : undefined,
    // The Rust side rebuilds itself; do not reload the UI for it.
    watch: { ignored: ["**/src-tauri/**", "**/target/**"] },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: !!process.env.TAURI_ENV_DEBUG,
  },
  test: {
    root: uiRoot,
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    setupFiles: ["src/test/setup.ts"],
  },
});
