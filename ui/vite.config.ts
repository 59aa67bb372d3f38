import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The UI is served by Tauri from ui/dist; the dev server is only for `tauri dev`.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: "safari15", outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    css: false,
    // userEvent types character by character; on a busy 2-core CI machine that can take seconds.
    testTimeout: 30000,
  },
});
