#!/usr/bin/env bash
# Builds the web app into web/dist: type-checks it (tsc), then bundles it (Vite). The ui worker
# serves web/dist through its static assets binding.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if [[ ! -f web/vite.config.ts ]]; then
  # No app in this checkout yet: a page that says so, so the ui worker still starts.
  mkdir -p web/dist
  printf '<!doctype html><meta charset="utf-8"><title>EVE auth hub</title><p>The web app is not built.</p>\n' > web/dist/index.html
  exit 0
fi
scripts/node22 node_modules/typescript/bin/tsc --noEmit -p web
scripts/node22 node_modules/vite/bin/vite.js build --config web/vite.config.ts --logLevel warn
