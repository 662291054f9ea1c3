#!/usr/bin/env python3
"""`just bench`: the core worker's `/health/live` (Rust, release wasm) against a Hono worker answering the
same JSON. Each runs in its own `workerd serve` (wrangler dev's proxy caps throughput); wrk drives them in
alternating rounds so machine noise hits both alike. Besides req/s and latency, it reads each workerd's
CPU time per request from /proc, which is steadier than throughput on a shared 2-core machine."""
import os, re, socket, statistics, subprocess, sys, time, urllib.error, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench-results")
DURATION = os.environ.get("BENCH_DURATION", "5s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "16")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))
PATH = os.environ.get("BENCH_PATH", "/health/live")
TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def capnp(name, port, modules):
    mods = ",\n    ".join(f'(name = "{n}", {kind} = embed "{path}")' for n, kind, path in modules)
    return f'''using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "{name}", worker = .w) ],
  sockets = [ (name = "http", address = "127.0.0.1:{port}", http = (), service = "{name}") ],
);
const w :Workerd.Worker = (
  modules = [
    {mods}
  ],
  compatibilityDate = "2026-11-01",
);
'''


def start(name, modules):
    port = free_port()
    cfg = os.path.join(OUT, f"{name}.capnp")
    with open(cfg, "w") as f:
        f.write(capnp(name, port, modules))
    workerd = os.path.join(ROOT, "node_modules/@cloudflare/workerd-linux-64/bin/workerd")
    log = open(os.path.join(OUT, f"{name}.log"), "w")
    proc = subprocess.Popen([workerd, "serve", cfg], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}{PATH}"
    for _ in range(200):
        try:
            body = urllib.request.urlopen(url, timeout=1).read().decode()
        except urllib.error.HTTPError as e:
            body = f"{e.code} {e.read().decode()}"
        except OSError:
            time.sleep(0.05)
            continue
        print(f"{name:5} {url} -> {body}")
        return proc, port
    proc.kill()
    sys.exit(f"{name} did not start; see {log.name}")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def ms(text, label):
    m = re.search(r"^\s*" + label + r"\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v


def run_wrk(proc, port, duration=DURATION):
    before = cpu_seconds(proc.pid)
    out = subprocess.run(["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration}", "--latency",
                          f"http://127.0.0.1:{port}{PATH}"], capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(proc.pid) - before
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {"rps": rps, "p50": ms(out, "50%"), "p99": ms(out, "99%"), "cpu_us": cpu / max(requests, 1) * 1e6}


def main():
    os.makedirs(OUT, exist_ok=True)
    subprocess.run([os.path.join(ROOT, "node_modules/.bin/esbuild"), "bench/hono/index.js", "--bundle",
                    "--format=esm", "--minify", f"--outfile={OUT}/hono.js", "--log-level=warning"], cwd=ROOT, check=True)
    build = "../workers/core/build/worker"
    rust = start("rust", [("shim.mjs", "esModule", f"{build}/shim.mjs"), ("index.wasm", "wasm", f"{build}/index.wasm")])
    hono = start("hono", [("index.js", "esModule", "hono.js")])
    try:
        for proc, port in (rust, hono):
            run_wrk(proc, port, "2s")  # warm-up
        results = {"rust": [], "hono": []}
        print(f"{'round':6}{'impl':6}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'cpu us/req':>12}")
        for r in range(1, ROUNDS + 1):
            for name, (proc, port) in (("rust", rust), ("hono", hono)):
                res = run_wrk(proc, port)
                results[name].append(res)
                print(f"{r:<6}{name:6}{res['rps']:>10.0f}{res['p50']:>9.2f}{res['p99']:>9.2f}{res['cpu_us']:>12.1f}")
        med = {n: {k: statistics.median(x[k] for x in v) for k in v[0]} for n, v in results.items()}
        # Ratios are taken within each round (both sides ran back to back), then the median.
        rps_ratio = statistics.median(r["rps"] / h["rps"] for r, h in zip(results["rust"], results["hono"]))
        cpu_ratio = statistics.median(h["cpu_us"] / r["cpu_us"] for r, h in zip(results["rust"], results["hono"]))
        print(f"median  rust {med['rust']['rps']:.0f} req/s, hono {med['hono']['rps']:.0f} req/s")
        print(f"ratio rust/hono (median of per-round ratios): throughput {rps_ratio:.2f}x, "
              f"CPU per request {cpu_ratio:.2f}x (above 1 means rust is cheaper)")
    finally:
        for proc, _ in (rust, hono):
            proc.kill()


if __name__ == "__main__":
    main()
