// CPU profile of a worker under load, through workerd's inspector (Chrome DevTools protocol).
// usage: node profile.mjs ws://127.0.0.1:PORT/NAME http://127.0.0.1:PORT/PATH SECONDS ["Header: value"]
// (a header such as the session cookie of `just bench`'s seeded user, for authenticated routes)
// Prints the functions with the most self time. Run with Node 22 (global WebSocket).
import { execFileSync } from "node:child_process";

const [ws, url, seconds = "5", header] = process.argv.slice(2);
const sock = new WebSocket(ws);
let id = 0;
const pending = new Map();
sock.onmessage = (m) => {
  const msg = JSON.parse(m.data);
  if (msg.id && pending.has(msg.id)) pending.get(msg.id)(msg.result);
};
const send = (method, params = {}) =>
  new Promise((resolve) => {
    pending.set(++id, resolve);
    sock.send(JSON.stringify({ id, method, params }));
  });
await new Promise((r) => (sock.onopen = r));
await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: 50 });
await send("Profiler.start");
execFileSync("wrk", [...(header ? ["-H", header] : []), "-t1", "-c16", `-d${seconds}s`, url], { stdio: "inherit" });
const { profile } = await send("Profiler.stop");
const self = new Map();
const dt = profile.timeDeltas;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const counts = new Map();
profile.samples.forEach((s, i) => counts.set(s, (counts.get(s) || 0) + (dt[i] || 0)));
let total = 0;
for (const [nodeId, t] of counts) {
  const n = byId.get(nodeId);
  const key = `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber}`;
  self.set(key, (self.get(key) || 0) + t);
  total += t;
}
const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30);
for (const [k, t] of top) console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
sock.close();
