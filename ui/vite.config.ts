import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The built UI goes into the Python package, which serves it at /ui/ (no Node at run time).
export default defineConfig({
  plugins: [react()],
  base: "/ui/",
  build: {
    outDir: "../src/modelport/server/ui/static",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
