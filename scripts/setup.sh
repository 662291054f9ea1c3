#!/usr/bin/env bash
# Installs whatever the build and the local stack need and is missing. Idempotent and quick when done.
# Nothing comes from GitHub: cargo and npm registries only.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
say() { echo "setup: $*" >&2; }

rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown \
  || { say "adding the wasm32 target"; rustup target add wasm32-unknown-unknown; }

worker_build_version="0.8.7"
if ! worker-build --version 2>/dev/null | grep -q "$worker_build_version"; then
  say "installing worker-build $worker_build_version (a few minutes, once)"
  cargo install worker-build --version "$worker_build_version" --locked
fi

# The wasm-bindgen CLI must match the library version in Cargo.lock exactly.
bindgen_version="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)"
if ! wasm-bindgen --version 2>/dev/null | grep -q "$bindgen_version"; then
  say "installing wasm-bindgen-cli $bindgen_version (a few minutes, once)"
  # Not --locked: one of its locked dependencies is not on the registry.
  cargo install wasm-bindgen-cli --version "$bindgen_version"
fi

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing npm tools (wrangler, Node 22, binaryen)"
  npm ci --no-audit --no-fund --loglevel=error
fi

command -v cargo-nextest >/dev/null || { say "installing cargo-nextest"; cargo install cargo-nextest --locked; }
