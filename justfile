# EVE auth hub: nine Rust workers on Cloudflare Workers. `just --list` shows every recipe.

set shell := ["bash", "-euo", "pipefail", "-c"]

workers := "ui core discord groups notifications eve-token-store eve-character-data eve-corporation-data eve-static-data"
worker_crates := "--exclude ui-worker --exclude core-worker --exclude discord-worker --exclude groups-worker --exclude notifications-worker --exclude eve-token-store-worker --exclude eve-character-data-worker --exclude eve-corporation-data-worker --exclude eve-static-data-worker"
native_only := "--exclude hub-native --exclude hub-migrate --exclude e2e"
export WRANGLER_SEND_METRICS := "false"
export CLOUDFLARE_CF_FETCH_ENABLED := "false"

# List the recipes
default:
    @just --list

# Install what is missing: wasm target, worker-build, wasm-bindgen-cli, nextest, npm tools (wrangler, Node 22, binaryen)
setup:
    scripts/setup.sh

# Build every worker to wasm: `just build` (fast: --dev --no-opt) or `just build release`
build profile="dev": setup
    #!/usr/bin/env bash
    set -euo pipefail
    export WASM_BINDGEN_BIN="$(command -v wasm-bindgen)" WASM_OPT_BIN="$PWD/node_modules/.bin/wasm-opt"
    # Our own entry module: a plain module worker, one call into Wasm per request (see ARCHITECTURE.md).
    export CUSTOM_SHIM="$PWD/crates/hub-worker/js/shim.js"
    flags=(--dev --no-opt)
    [[ "{{profile}}" == release ]] && flags=(--release)
    for w in {{workers}}; do
      echo "building $w ({{profile}})"
      rm -rf "workers/$w/build"
      (cd "workers/$w" && worker-build "${flags[@]}" 2>&1 | grep -E "^(error|warning)|Finished" || true)
      test -f "workers/$w/build/worker/index.wasm" || { echo "build of $w failed"; exit 1; }
    done

# Apply the Postgres migrations to DATABASE_URL
migrate:
    cargo run -q -p hub-migrate

# Run the whole system locally: Postgres, migrations, all nine workers in one wrangler session (Ctrl-C stops all)
dev port="8787": (build "dev")
    #!/usr/bin/env bash
    set -euo pipefail
    admin_url="$(scripts/pg.sh start)"
    trap 'scripts/pg.sh stop' EXIT
    db_url="$(cargo run -q -p hub-native --example database_url -- "$admin_url" eve_hub)"
    cargo run -q -p hub-migrate -- "$db_url"
    configs=(); for w in {{workers}}; do configs+=(-c "wrangler/$w.toml"); done
    echo
    echo "  app and API   http://127.0.0.1:{{port}}/"
    echo "  health        http://127.0.0.1:{{port}}/health  and  http://127.0.0.1:{{port}}/health/<service>"
    echo "  services      core discord groups notifications eve-token-store eve-character-data eve-corporation-data eve-static-data"
    echo "  database      $db_url"
    echo
    CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE="$db_url" \
      scripts/wrangler dev "${configs[@]}" --ip 127.0.0.1 --port {{port}} --persist-to .local/wrangler-state \
      --show-interactive-dev-session=false

# fmt check, clippy (host and wasm32), native tests, wasm builds, end-to-end suite
test: setup
    #!/usr/bin/env bash
    set -euo pipefail
    echo "== fmt"; cargo fmt --all -- --check
    echo "== clippy (host)"; cargo clippy --workspace --all-targets {{worker_crates}} --exclude hub-worker -- -D warnings
    echo "== clippy (wasm32)"; cargo clippy --workspace {{native_only}} --target wasm32-unknown-unknown -- -D warnings
    if [[ -z "${DATABASE_URL:-}" ]]; then
      export DATABASE_URL="$(scripts/pg.sh start)"
      trap 'env -u DATABASE_URL scripts/pg.sh stop' EXIT
    fi
    echo "== native tests"; cargo nextest run --workspace {{worker_crates}} --exclude hub-worker --exclude e2e
    echo "== wasm builds"; just build dev
    echo "== end-to-end"; cargo nextest run -p e2e --no-fail-fast

# Release wasm size of every worker, raw and gzip (budget: 400 KB gzip each)
size: (build "release")
    #!/usr/bin/env bash
    set -euo pipefail
    printf "%-22s %10s %10s\n" worker raw gzip
    for w in {{workers}}; do
      f="workers/$w/build/worker/index.wasm"
      printf "%-22s %9sK %9sK\n" "$w" $(( $(stat -c %s "$f") / 1024 )) $(( $(gzip -9 -c "$f" | wc -c) / 1024 ))
    done

# Throughput of the core worker's /health/live against a Hono worker, both under `workerd serve` (ratio in one run)
bench: (build "release")
    command -v wrk >/dev/null || { [[ "$(id -u)" == 0 ]] && (apt-get install -y -qq wrk || (apt-get update -qq && apt-get install -y -qq wrk)); }
    bench/bench.py
