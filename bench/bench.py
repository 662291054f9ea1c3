#!/usr/bin/env python3
"""`just bench`: three benchmarks, one table each, every comparison measured side by side in one run.

crypto  JWT verification and the token vault's seal and open, in ops/s: natively (the `hub-bench` binary, release
        profile), inside workerd (`bench/crypto-worker`: the same Rust code compiled to wasm), and workerd's own
        WebCrypto for reference (`bench/crypto-worker/webcrypto.mjs`). `Date.now()` does not advance during CPU work in
        workerd, so workerd is timed from the client: ops/s = N / (t(n=N) - t(n=0)), each the median of a few requests.
health  the core worker's `/health/live` (Rust, release wasm) against a Hono worker answering the same JSON, each in
        its own `workerd serve`.
me      authenticated `GET /api/users/me` under `workerd serve` (core and eve-token-store in one process, Postgres
        through a workerd hyperdrive binding, SQLite Durable Objects on local disk) against core's `/health/live` in
        the same process, with a user, two characters and a session seeded in a freshly migrated database; once
        with the binding straight to Postgres (a server connection per request, as locally under wrangler) and once
        through PgBouncer in session mode (pooled server connections, standing in for Hyperdrive), when installed.

Implementations run in alternating rounds so machine noise hits both sides alike; ratios are the median of
per-round ratios. Besides req/s and latency, the wrk benchmarks read CPU time per request from /proc (workerd's,
and for `me` Postgres's), which is steadier than throughput on a shared 2-core machine. The output is also written
to bench-results/bench-<time>.txt and bench-results/latest.txt.

Environment: BENCH_ONLY (comma-separated: crypto,health,me), BENCH_DATABASE_URL (a migrated database; `me` is
skipped without it; `just bench` creates one), BENCH_DURATION, BENCH_CONNECTIONS, BENCH_ROUNDS, BENCH_CRYPTO_MS."""
import atexit, base64, hashlib, http.client, json, os, pwd, re, shutil, socket, statistics, subprocess, sys, tempfile
import time, uuid
import urllib.error, urllib.parse, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench-results")
WORKERD = os.path.join(ROOT, "node_modules/@cloudflare/workerd-linux-64/bin/workerd")
NATIVE = os.path.join(ROOT, "target/release/hub-bench")
DURATION = os.environ.get("BENCH_DURATION", "5s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "16")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))
CRYPTO_S = int(os.environ.get("BENCH_CRYPTO_MS", "300")) / 1000
ONLY = set(filter(None, os.environ.get("BENCH_ONLY", "crypto,health,me").split(",")))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "")
TICKS = os.sysconf("SC_CLK_TCK")
LIVE = "/health/live"
ME = "/api/users/me"
LINES = []


def say(line=""):
    print(line, flush=True)
    LINES.append(line)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cstr(text):
    """A Cap'n Proto text literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def worker(const, modules, bindings=(), extra=""):
    """A `Workerd.Worker` constant. Module paths are relative to bench-results/, where configs are written."""
    mods = ",\n    ".join(f"(name = {cstr(n)}, {kind} = embed {cstr(path)})" for n, kind, path in modules)
    binds = ",\n    ".join(bindings)
    return f'''const {const} :Workerd.Worker = (
  modules = [
    {mods}
  ],
  compatibilityDate = "2026-11-01",
  bindings = [
    {binds}
  ],{extra}
);
'''


def start(name, services, workers, socket_service):
    """Writes bench-results/<name>.capnp and runs `workerd serve` on it; returns (process, port)."""
    port = free_port()
    cfg = os.path.join(OUT, f"{name}.capnp")
    listed = ",\n    ".join(services)
    with open(cfg, "w") as f:
        f.write(f'''using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    {listed}
  ],
  sockets = [ (name = "http", address = "127.0.0.1:{port}", http = (), service = "{socket_service}") ],
);
{"".join(workers)}''')
    log = open(os.path.join(OUT, f"{name}.log"), "w")
    proc = subprocess.Popen([WORKERD, "serve", "--experimental", cfg], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(200):
        if proc.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit(f"{name}: workerd did not start; see {log.name}:\n{tail(log.name)}")


def tail(path, lines=20):
    try:
        return "".join(open(path).readlines()[-lines:])
    except OSError:
        return ""


def get(port, path, headers=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def cpu_seconds(pid, children=False):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    own = int(fields[11]) + int(fields[12])
    return (own + (int(fields[13]) + int(fields[14]) if children else 0)) / TICKS


def ms(text, label):
    m = re.search(r"^\s*" + label + r"\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v


def run_wrk(proc, port, path, headers=(), duration=DURATION, pg=None):
    before, pg_before = cpu_seconds(proc.pid), pg() if pg else 0
    args = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration}", "--latency"]
    for h in headers:
        args += ["-H", h]
    out = subprocess.run(args + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                         check=True).stdout
    cpu, pg_cpu = cpu_seconds(proc.pid) - before, (pg() - pg_before) if pg else 0
    requests = max(int(re.search(r"(\d+) requests in", out).group(1)), 1)
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": ms(out, "50%"),
            "p99": ms(out, "99%"), "cpu_us": cpu / requests * 1e6, "pg_us": pg_cpu / requests * 1e6,
            "errors": errors}


def medians(results):
    return {k: statistics.median(x[k] for x in results) for k in results[0]}


# ---------------------------------------------------------------------------------------------- crypto

def fixture():
    """The public benchmark fixture (token, JWKS, client id, clock) from crates/hub-bench/src/fixture.rs."""
    src = open(os.path.join(ROOT, "crates/hub-bench/src/fixture.rs")).read()
    pick = lambda pattern: re.search(pattern, src).group(1)
    return {"TOKEN": pick(r'TOKEN: &str = "([^"]+)"'), "JWKS": pick(r'JWKS: &str = r#"(.+)"#'),
            "CLIENT_ID": pick(r'CLIENT_ID: &str = "([^"]+)"'),
            "NOW_SECS": pick(r"NOW_SECS: i64 = ([\d_]+)").replace("_", "")}


class Timer:
    """Times GET requests over one kept-alive connection."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def time(self, path):
        start = time.perf_counter()
        self.conn.request("GET", path)
        response = self.conn.getresponse()
        body = response.read().decode()
        elapsed = time.perf_counter() - start
        if response.status != 200:
            sys.exit(f"GET {path} answered {response.status}: {body}")
        return elapsed


def calibrate(timer, op):
    """The smallest power-of-two N whose request takes at least BENCH_CRYPTO_MS."""
    n = 1
    while timer.time(f"/?op={op}&n={n}") < CRYPTO_S and n < 1 << 20:
        n *= 2
    return n


def workerd_rate(timer, op, n):
    empty = statistics.median(timer.time(f"/?op={op}&n=0") for _ in range(5))
    full = statistics.median(timer.time(f"/?op={op}&n={n}") for _ in range(3))
    return n / (full - empty)


def native_rate(op):
    out = subprocess.run([NATIVE, op, str(int(CRYPTO_S * 1000))], capture_output=True, text=True, check=True)
    _, ops, seconds = out.stdout.split()
    return int(ops) / float(seconds)


def bench_crypto():
    if not os.path.exists(NATIVE):
        sys.exit(f"{NATIVE} is missing: cargo build --release -p hub-bench")
    fx = fixture()
    build = "../bench/crypto-worker/build/worker"
    # A PUBLIC TEST VALUE, NOT A SECRET: the same fixed key as hub-bench's BENCH_VAULT_KEY.
    texts = dict(fx, VAULT_KEY="hub-bench-public-test-vault-key!")
    workers = [
        worker("rust", [("shim.mjs", "esModule", f"{build}/shim.mjs"), ("index.wasm", "wasm", f"{build}/index.wasm")]),
        worker("webcrypto", [("webcrypto.mjs", "esModule", "../bench/crypto-worker/webcrypto.mjs")],
               [f"(name = {cstr(k)}, text = {cstr(v)})" for k, v in texts.items()]),
    ]
    rust, rust_port = start("crypto-rust", ['(name = "rust", worker = .rust)'], workers[:1], "rust")
    web, web_port = start("crypto-webcrypto", ['(name = "webcrypto", worker = .webcrypto)'], workers[1:], "webcrypto")
    try:
        timers = {"wasm": Timer(rust_port), "webcrypto": Timer(web_port)}
        ops = [("jwt", "JWT verify, RS256 (2048-bit key)"), ("seal", "vault seal, AES-256-GCM"),
               ("open", "vault open, AES-256-GCM")]
        sizes = {(side, op): calibrate(timer, op) for side, timer in timers.items() for op, _ in ops}
        rates = {(side, op): [] for side in ("native", "wasm", "webcrypto") for op, _ in ops}
        for _ in range(ROUNDS):
            for op, _ in ops:
                rates[("native", op)].append(native_rate(op))
                for side, timer in timers.items():
                    rates[(side, op)].append(workerd_rate(timer, op, sizes[(side, op)]))
    finally:
        rust.kill()
        web.kill()
    token_len = len(fx["TOKEN"])
    say(f"== crypto: ops/s, median of {ROUNDS} rounds (+-: half the min-max spread); ratios: median of per-round ratios")
    say(f"   the token is {token_len} bytes; seal and open encrypt and decrypt that token. N per workerd request: "
        + ", ".join(f"{op} {sizes[('wasm', op)]}/{sizes[('webcrypto', op)]}" for op, _ in ops) + " (wasm/WebCrypto)")
    say(f"{'operation':34}{'native':>17}{'workerd (wasm)':>17}{'wasm/native':>13}{'WebCrypto':>17}{'WebCrypto/wasm':>16}")
    fmt = lambda xs: f"{statistics.median(xs):,.0f} +-{50 * (max(xs) - min(xs)) / statistics.median(xs):.0f}%"
    ratio = lambda a, b: statistics.median(x / y for x, y in zip(a, b))
    for op, label in ops:
        native, wasm, webc = rates[("native", op)], rates[("wasm", op)], rates[("webcrypto", op)]
        say(f"{label:34}{fmt(native):>17}{fmt(wasm):>17}{ratio(wasm, native):>12.2f}x{fmt(webc):>17}"
            f"{ratio(webc, wasm):>15.2f}x")
    say("   native: target/release/hub-bench (same release profile as the workers: opt-level \"s\", LTO).")
    say("   WebCrypto: workerd's crypto.subtle (BoringSSL), one awaited call per operation; jwt also parses the JSON.")
    say()


# ---------------------------------------------------------------------------------------------- health

def bench_health():
    subprocess.run([os.path.join(ROOT, "node_modules/.bin/esbuild"), "bench/hono/index.js", "--bundle",
                    "--format=esm", "--minify", f"--outfile={OUT}/hono.js", "--log-level=warning"], cwd=ROOT, check=True)
    build = "../workers/core/build/worker"
    rust = start("rust", ['(name = "rust", worker = .rust)'],
                 [worker("rust", [("shim.mjs", "esModule", f"{build}/shim.mjs"),
                                  ("index.wasm", "wasm", f"{build}/index.wasm")])], "rust")
    hono = start("hono", ['(name = "hono", worker = .hono)'],
                 [worker("hono", [("index.js", "esModule", "hono.js")])], "hono")
    try:
        for name, (proc, port) in (("rust", rust), ("hono", hono)):
            status, body = get(port, LIVE)
            if status != 200:
                sys.exit(f"{name} {LIVE} answered {status}: {body}")
            run_wrk(proc, port, LIVE, duration="2s")  # warm-up
        results = {"rust": [], "hono": []}
        say(f"== health: GET {LIVE}, Rust core worker vs Hono, wrk -t1 -c{CONNECTIONS} -d{DURATION}, {ROUNDS} rounds")
        say(f"{'round':6}{'impl':6}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'cpu us/req':>12}{'errors':>8}")
        for r in range(1, ROUNDS + 1):
            for name, (proc, port) in (("rust", rust), ("hono", hono)):
                res = run_wrk(proc, port, LIVE)
                results[name].append(res)
                say(f"{r:<6}{name:6}{res['rps']:>10.0f}{res['p50']:>9.2f}{res['p99']:>9.2f}{res['cpu_us']:>12.1f}"
                    f"{res['errors']:>8}")
    finally:
        for proc, _ in (rust, hono):
            proc.kill()
    med = {n: medians(v) for n, v in results.items()}
    rps_ratio = statistics.median(r["rps"] / h["rps"] for r, h in zip(results["rust"], results["hono"]))
    cpu_ratio = statistics.median(h["cpu_us"] / r["cpu_us"] for r, h in zip(results["rust"], results["hono"]))
    say(f"median  rust {med['rust']['rps']:.0f} req/s, hono {med['hono']['rps']:.0f} req/s")
    say(f"ratio rust/hono (median of per-round ratios): throughput {rps_ratio:.2f}x, "
        f"CPU per request {cpu_ratio:.2f}x (above 1 means rust is cheaper)")
    say()


# ---------------------------------------------------------------------------------------------- me

def psql_bin():
    found = shutil.which("psql")
    if found:
        return found
    for d in sorted(os.listdir("/usr/lib/postgresql"), reverse=True) if os.path.isdir("/usr/lib/postgresql") else []:
        if os.path.exists(f"/usr/lib/postgresql/{d}/bin/psql"):
            return f"/usr/lib/postgresql/{d}/bin/psql"
    sys.exit("psql is missing (apt-get install postgresql-client)")


def psql(sql):
    out = subprocess.run([psql_bin(), DATABASE_URL, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"psql failed: {out.stderr}")
    return out.stdout.strip()


def seed():
    """A user with two characters and a live session; returns (user id, the Cookie header)."""
    user = uuid.uuid4()
    token = os.urandom(16)
    psql(f"""BEGIN;
        DELETE FROM users WHERE id IN (SELECT user_id FROM characters WHERE id IN (2112625428, 2112625429));
        INSERT INTO users (id, main_character_id) VALUES ('{user}', 2112625428);
        INSERT INTO characters (id, user_id, name, owner_hash, scopes) VALUES
          (2112625428, '{user}', 'Jita Trader', 'bench-owner-1', ARRAY['publicData', 'esi-skills.read_skills.v1']),
          (2112625429, '{user}', 'Amarr Hauler', 'bench-owner-2', ARRAY['publicData']);
        INSERT INTO sessions (id, user_id, token_sha256, idle_expires_at, absolute_expires_at, user_agent)
          VALUES ('{uuid.uuid4()}', '{user}', decode('{hashlib.sha256(token).hexdigest()}', 'hex'),
                  now() + interval '7 days', now() + interval '30 days', 'just bench');
        COMMIT;""")
    cookie = base64.urlsafe_b64encode(token).decode().rstrip("=")
    return user, f"Cookie: __Host-hub_session={cookie}"


def postgres_cpu():
    """A function reading the local Postgres server's CPU seconds (postmaster, its children, and the reaped
    per-connection backends), or None when the server is not a local process we can read."""
    try:
        data = psql("SHOW data_directory")
        pid = int(open(os.path.join(data, "postmaster.pid")).readline())
        cpu_seconds(pid)
    except (OSError, ValueError, SystemExit):
        return None

    def total():
        children = 0.0
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
                    if int(fields[1]) == pid:
                        children += cpu_seconds(int(entry), children=True)
                except (OSError, IndexError):
                    pass
        return cpu_seconds(pid, children=True) + children
    return total


def pgbouncer(url):
    """Starts PgBouncer in session mode in front of the database, as Hyperdrive pools connections in production;
    returns (process, port), or None when pgbouncer is not installed."""
    binary = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)
    if not binary:
        return None
    port = free_port()
    work = tempfile.mkdtemp(prefix="hub-bench-pgbouncer-")
    atexit.register(shutil.rmtree, work, True)
    os.chmod(work, 0o755)
    # PgBouncer refuses to run as root; run it as the user Postgres runs as (scripts/pg.sh does the same).
    as_user = {"user": "postgres"} if os.geteuid() == 0 else {}
    if as_user:
        entry = pwd.getpwnam("postgres")
        os.chown(work, entry.pw_uid, entry.pw_gid)
    user = urllib.parse.unquote(url.username or "postgres")
    files = {
        "userlist.txt": f'"{user}" "{urllib.parse.unquote(url.password or "")}"\n',
        # Session mode: a client connection keeps one server connection until it closes (each request's
        # connection, with its prepared statements); the server connection then returns to the pool.
        "pgbouncer.ini": f"""[databases]
* = host={url.hostname} port={url.port or 5432}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {work}/userlist.txt
pool_mode = session
default_pool_size = 32
max_client_conn = 512
logfile = {work}/pgbouncer.log
""",
    }
    for name, text in files.items():
        with open(os.path.join(work, name), "w") as f:
            f.write(text)
        os.chmod(os.path.join(work, name), 0o644)
    proc = subprocess.Popen([binary, os.path.join(work, "pgbouncer.ini")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT, **as_user)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit(f"pgbouncer did not start:\n{tail(os.path.join(work, 'pgbouncer.log'))}")


def stack(name, url, pg_host, pg_port):
    """core and eve-token-store in one workerd, HYPERDRIVE pointing at pg_host:pg_port."""
    fx = fixture()
    # Configuration as in `just dev`. The SSO endpoints are never called by the routes measured here.
    sso = "http://127.0.0.1:9"
    texts = {
        "EVE_SSO_CLIENT_ID": fx["CLIENT_ID"], "EVE_SSO_CLIENT_SECRET": "bench-secret",
        "EVE_SSO_AUTHORIZE_URL": f"{sso}/v2/oauth/authorize", "EVE_SSO_TOKEN_URL": f"{sso}/v2/oauth/token",
        "EVE_SSO_JWKS_URL": f"{sso}/oauth/jwks", "EVE_SSO_REVOKE_URL": f"{sso}/v2/oauth/revoke",
        "EVE_SSO_ISSUER": "https://login.eveonline.com", "PUBLIC_ORIGIN": "http://127.0.0.1:8787",
        "SITE_ADMIN_CHARACTER_IDS": "90000001",
        # A PUBLIC TEST VALUE, NOT A SECRET: no token is stored in this benchmark.
        "TOKEN_VAULT_KEYS": "1:" + base64.b64encode(b"hub-bench-public-test-vault-key!").decode(),
        "OPERATOR_TOKEN": "bench-operator-token",
    }
    hyperdrive = (f'(name = "HYPERDRIVE", hyperdrive = (designator = (name = "postgres"), '
                  f'database = {cstr(urllib.parse.unquote(url.path.lstrip("/")))}, '
                  f'user = {cstr(urllib.parse.unquote(url.username or "postgres"))}, '
                  f'password = {cstr(urllib.parse.unquote(url.password or ""))}, scheme = "postgresql"))')
    vars_ = [f"(name = {cstr(k)}, text = {cstr(v)})" for k, v in texts.items()]
    state = os.path.join(OUT, f"{name}-state")
    shutil.rmtree(state, ignore_errors=True)
    os.makedirs(state)
    storage = '\n  durableObjectStorage = (localDisk = "do-state"),'
    core = "../workers/core/build/worker"
    store = "../workers/eve-token-store/build/worker"
    workers = [
        worker("core", [("shim.mjs", "esModule", f"{core}/shim.mjs"), ("index.wasm", "wasm", f"{core}/index.wasm")],
               ['(name = "CORE_STATE", durableObjectNamespace = "CoreState")',
                '(name = "EVE_TOKEN_STORE", durableObjectNamespace = '
                '(className = "EveTokenStore", serviceName = "eve-token-store"))', hyperdrive] + vars_,
               '\n  durableObjectNamespaces = [(className = "CoreState", uniqueKey = "core-CoreState", enableSql = true)],'
               + storage),
        worker("store", [("shim.mjs", "esModule", f"{store}/shim.mjs"), ("index.wasm", "wasm", f"{store}/index.wasm")],
               ['(name = "EVE_TOKEN_STORE", durableObjectNamespace = "EveTokenStore")', hyperdrive] + vars_,
               '\n  durableObjectNamespaces = [(className = "EveTokenStore", uniqueKey = "eve-token-store-EveTokenStore",'
               ' enableSql = true)],' + storage),
    ]
    services = ['(name = "core", worker = .core)', '(name = "eve-token-store", worker = .store)',
                f'(name = "postgres", external = (address = "{pg_host}:{pg_port}", tcp = ()))',
                f'(name = "do-state", disk = (path = {cstr(state)}, writable = true))']
    return start(name, services, workers, "core")


def check_me(name, port, user, cookie):
    """Fails loudly unless the route serves the seeded user, and refuses without the cookie."""
    status, body = get(port, ME, dict([cookie.split(": ", 1)]))
    try:
        me = json.loads(body)
        ok = status == 200 and me["user"]["id"] == str(user) and len(me["user"]["characters"]) == 2
    except (ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        sys.exit(f"{name}: GET {ME} answered {status}: {body}\n{tail(os.path.join(OUT, name + '.log'))}")
    anonymous, _ = get(port, ME)
    if anonymous != 401:
        sys.exit(f"{name}: GET {ME} without the cookie answered {anonymous}, expected 401")
    return me


def bench_me():
    if not DATABASE_URL:
        say("== me: skipped (set BENCH_DATABASE_URL to a migrated database; `just bench` does)")
        return
    url = urllib.parse.urlsplit(DATABASE_URL)
    user, cookie = seed()
    # The seeded session (benchmark database only), for `bench/profile.mjs ... "$(cat bench-results/me.cookie)"`.
    with open(os.open(os.path.join(OUT, "me.cookie"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(cookie + "\n")
    pg_cpu = postgres_cpu()
    running = []
    try:
        direct = stack("me-direct", url, url.hostname, url.port or 5432)
        running.append(direct[0])
        me = check_me("me-direct", direct[1], user, cookie)
        pool = pgbouncer(url)
        pooled = None
        if pool:
            running.append(pool[0])
            pooled = stack("me-pooled", url, "127.0.0.1", pool[1])
            running.append(pooled[0])
            check_me("me-pooled", pooled[1], user, cookie)
        # (label, workerd, path, headers, database CPU reader)
        routes = [("live", direct, LIVE, (), pg_cpu), ("me", direct, ME, (cookie,), pg_cpu)]
        if pooled:
            both = (lambda: pg_cpu() + cpu_seconds(pool[0].pid)) if pg_cpu else None
            routes.append(("me-pool", pooled, ME, (cookie,), both))
        for _, (proc, port), path, headers, _ in routes:
            run_wrk(proc, port, path, headers, duration="3s")  # warm-up: isolates, objects, database caches
        chars = ", ".join(f"{c['name']} (token: {json.dumps(c.get('token'))})" for c in me["user"]["characters"])
        say(f"== me: authenticated GET {ME} vs GET {LIVE}, core + eve-token-store in one workerd, "
            f"wrk -t1 -c{CONNECTIONS} -d{DURATION}, {ROUNDS} rounds")
        say(f"   {ME} -> 200 for user {user}: {chars}")
        say("   (no EVE tokens are stored: each character's token store object answers its health from an empty table)")
        say("   me: HYPERDRIVE straight to Postgres (as `wrangler dev` does: a new server connection per request)")
        say("   me-pool: HYPERDRIVE through PgBouncer in session mode (pooled server connections, as Hyperdrive does)"
            if pooled else "   me-pool: skipped, pgbouncer is not installed")
        say(f"{'round':6}{'route':8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'workerd us/req':>16}"
            f"{'database us/req':>17}{'errors':>8}")
        results = {name: [] for name, *_ in routes}
        for r in range(1, ROUNDS + 1):
            for name, (proc, port), path, headers, db in routes:
                res = run_wrk(proc, port, path, headers, pg=db)
                results[name].append(res)
                db_text = f"{res['pg_us']:.1f}" if db else "-"
                say(f"{r:<6}{name:8}{res['rps']:>9.0f}{res['p50']:>9.2f}{res['p99']:>9.2f}{res['cpu_us']:>16.1f}"
                    f"{db_text:>17}{res['errors']:>8}")
    finally:
        for proc in reversed(running):
            proc.kill()
            proc.wait()
    med = {n: medians(v) for n, v in results.items()}
    for name, m in med.items():
        db_text = f"{m['pg_us']:.1f}" if routes[[r[0] for r in routes].index(name)][4] else "-"
        say(f"{'median':7}{name:7}{m['rps']:>9.0f}{m['p50']:>9.2f}{m['p99']:>9.2f}{m['cpu_us']:>16.1f}{db_text:>17}")
    for name in results:
        if name == "live":
            continue
        ratio = statistics.median(m["rps"] / l["rps"] for m, l in zip(results[name], results["live"]))
        cpu = statistics.median(m["cpu_us"] / l["cpu_us"] for m, l in zip(results[name], results["live"]))
        say(f"ratio {name}/live (median of per-round ratios): throughput {ratio:.3f}x, workerd CPU per request {cpu:.0f}x")
    if any(x["errors"] for v in results.values() for x in v):
        say("WARNING: some requests failed (errors column); the numbers above include them")
    say("   database us/req: CPU of the local Postgres server (and of PgBouncer for me-pool) per request, from /proc.")
    say()


def main():
    os.makedirs(OUT, exist_ok=True)
    say(f"just bench, {time.strftime('%Y-%m-%d %H:%M:%S')}, {os.cpu_count()} CPUs, {os.uname().machine}")
    say()
    if "crypto" in ONLY:
        bench_crypto()
    if "health" in ONLY:
        bench_health()
    if "me" in ONLY:
        bench_me()
    text = "\n".join(LINES) + "\n"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for name in (f"bench-{stamp}.txt", "latest.txt"):
        with open(os.path.join(OUT, name), "w") as f:
            f.write(text)
    print(f"results written to bench-results/bench-{stamp}.txt")


if __name__ == "__main__":
    main()
