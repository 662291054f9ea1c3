#!/usr/bin/env bash
# Postgres for development and tests.
#   scripts/pg.sh start   -> prints the admin DATABASE_URL (starting a project-local cluster if needed)
#   scripts/pg.sh status  -> exit 0 when the project-local cluster is already running
#   scripts/pg.sh stop    -> stops the project-local cluster
# With DATABASE_URL set, that server is used as is and nothing is started or stopped.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cmd="${1:-start}"
port="${HUB_PG_PORT:-54329}"
base="$root/.local/pg"
# As root, PostgreSQL runs as the 'postgres' user, who may not be able to enter the checkout
# (a private home or CI folder): then the cluster lives in a per-checkout folder under /tmp.
if [[ "$(id -u)" == 0 ]] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$root" 2>/dev/null; then
  base="${TMPDIR:-/tmp}/eve-hub-pg-$(printf %s "$root" | md5sum | cut -c1-12)"
fi
data="$base/data"
run="$base/run"
log="$base/postgres.log"

if [[ -n "${DATABASE_URL:-}" ]]; then
  [[ "$cmd" == start ]] && echo "$DATABASE_URL"
  exit 0
fi

find_bin() {
  local name="$1" dir
  command -v "$name" 2>/dev/null && return 0
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x "$dir/$name" ]] && { echo "$dir/$name"; return 0; }
  done
  return 1
}

ensure_binaries() {
  if ! find_bin initdb >/dev/null || ! find_bin pg_ctl >/dev/null; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
      echo "installing PostgreSQL with apt-get..." >&2
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    else
      echo "PostgreSQL is missing: install it (sudo apt-get install postgresql) or set DATABASE_URL" >&2
      exit 1
    fi
  fi
}

# PostgreSQL refuses to run as root: run it as the unprivileged 'postgres' user then.
as_pg() {
  if [[ "$(id -u)" == 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

case "$cmd" in
  start)
    ensure_binaries
    initdb="$(find_bin initdb)"; pg_ctl="$(find_bin pg_ctl)"
    mkdir -p "$run" "$(dirname "$data")"
    [[ "$(id -u)" == 0 ]] && { id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres; chown -R postgres "$base"; }
    if [[ ! -f "$data/PG_VERSION" ]]; then
      as_pg "$initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$base/initdb.log" 2>&1 \
        || { cat "$base/initdb.log" >&2; exit 1; }
    fi
    if ! as_pg "$pg_ctl" -D "$data" status >/dev/null 2>&1; then
      as_pg "$pg_ctl" -D "$data" -l "$log" -w -t 60 \
        -o "-p $port -k $run -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
        || { tail -20 "$log" >&2; exit 1; }
    fi
    # Trust auth on loopback; Hyperdrive still insists on a password in the URL.
    echo "postgres://postgres:postgres@127.0.0.1:$port/postgres"
    ;;
  status)
    # Exit 0 when the project-local cluster is running (callers then leave it running at their end).
    pg_ctl="$(find_bin pg_ctl || true)"
    [[ -n "$pg_ctl" && -f "$data/PG_VERSION" ]] && as_pg "$pg_ctl" -D "$data" status >/dev/null 2>&1
    ;;
  stop)
    pg_ctl="$(find_bin pg_ctl || true)"
    if [[ -n "$pg_ctl" && -f "$data/PG_VERSION" ]]; then
      as_pg "$pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  *) echo "usage: $0 start|status|stop" >&2; exit 2 ;;
esac
