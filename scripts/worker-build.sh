#!/usr/bin/env bash
# Builds one workers-rs crate to wasm with our entry shim: scripts/worker-build.sh <crate dir> [dev|release]
# Used by `just build` (workers/<name>) and `just bench` (bench/crypto-worker). Output: <crate dir>/build/worker/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$1"
profile="${2:-dev}"
export WASM_BINDGEN_BIN="$(command -v wasm-bindgen)" WASM_OPT_BIN="$root/node_modules/.bin/wasm-opt"
# Our own entry module: a plain module worker, one call into Wasm per request (see ARCHITECTURE.md).
export CUSTOM_SHIM="$root/crates/hub-worker/js/shim.js"
flags=(--dev --no-opt)
[[ "$profile" == release ]] && flags=(--release)
cd "$root"
rm -rf "$dir/build"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
(cd "$dir" && worker-build "${flags[@]}" >"$log" 2>&1) || true
grep -E "^(error|warning)|Finished" "$log" || true
test -f "$dir/build/worker/index.wasm" || { tail -30 "$log" >&2; echo "build of $dir failed" >&2; exit 1; }
if [[ "$profile" == release ]]; then
  # worker-build skips wasm-opt with a custom entry shim; run it here.
  "$WASM_OPT_BIN" -Oz -all "$dir/build/worker/index.wasm" -o "$dir/build/worker/index.wasm"
fi
