// The web app: React + TypeScript, bundled by Vite into web/dist (index.html at the root, hashed
// files under /assets/), which the ui worker serves with its cache policy and a strict CSP (no
// inline scripts or styles: everything lives in bundled files).
//
// `npm run web:dev` serves it with hot reload and proxies /api (and the notification WebSocket)
// to the local stack from `just dev` on http://127.0.0.1:8787.
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const stack = process.env.HUB_ORIGIN ?? "http://127.0.0.1:8787";

/**
 * Replaces the build in place instead of emptying web/dist first: a running `just dev` watches
 * the folder, and a reload that catches it empty serves 404s until the next change. Files of
 * earlier builds are removed once the new ones are written.
 */
function replaceInPlace(): Plugin {
  return {
    name: "hub:replace-in-place",
    apply: "build",
    writeBundle(options, bundle) {
      const dir = join(options.dir ?? "web/dist", "assets");
      const fresh = new Set(Object.keys(bundle).map((name) => name.replace(/^assets\//, "")));
      for (const file of readdirSync(dir)) {
        if (!fresh.has(file)) rmSync(join(dir, file), { force: true });
      }
    },
  };
}

export default defineConfig({
  root: "web",
  // Vite's dependency cache lives with the other tools, not in a web/node_modules of its own.
  cacheDir: "../node_modules/.vite-web",
  plugins: [react(), replaceInPlace()],
  build: {
    outDir: "dist",
    emptyOutDir: false,
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
    // Inlined assets would become data: URLs; keep every asset a file under /assets/.
    assetsInlineLimit: 0,
  },
  server: {
    host: "127.0.0.1",
    port: 5173,
    strictPort: true,
    proxy: {
      "/api": {
        target: stack,
        ws: true,
        changeOrigin: true,
        // The notification socket checks Origin against the stack's PUBLIC_ORIGIN.
        headers: { origin: stack },
      },
      "/health": { target: stack, changeOrigin: true },
    },
  },
});
