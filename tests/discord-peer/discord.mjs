// A local Discord for tests and the demo: its REST API (v10) and OAuth2 over plain HTTP, behaving
// like Discord where a careful client depends on it.
// - OAuth2: /oauth2/authorize (code + PKCE S256; a picker page in demo mode), /api/oauth2/token
//   (authorization_code, refresh_token with rotation, client in HTTP Basic), /api/oauth2/token/revoke,
//   /api/v10/users/@me with the user's token. Access tokens live 7 days; a dead grant is invalid_grant.
// - Guilds, roles with positions, members; add-member with the user's token (201, or 204 for a
//   member: roles and nick in the body are then NOT applied); per-role PUT/DELETE; PATCH (roles
//   replace, nick 1-32); kick. The bot manages only roles below its highest role and never the owner
//   (403, code 50013). Unknown member 404 10007; bad user token 50025; too many guilds 30001.
// - Rate limits per bucket (X-RateLimit-Limit/-Remaining/-Reset/-Reset-After/-Bucket), split by
//   guild; the global 50/s; 429 with retry_after and X-RateLimit-Scope. A request over its bucket is
//   counted (`exceeded`: a careful client keeps it at zero); 401/403/429 (not shared) are counted as
//   invalid requests. Scripted 429s of each scope, 5xx and timeouts.
//
// Control (tests): POST /__guild {id, name, owner_id, roles: [{id, name, position}], bot_roles: [ids]},
// POST /__member {guild, user, roles, nick} (joins by hand), GET /__member?guild=&user= (reads one),
// DELETE /__member?guild=&user= (leaves),
// POST /__members {guild, members: [{user, roles, nick}]} (bulk), POST /__buckets {name: [limit, window_ms]},
// POST /__user {id, username, global_name, full}, POST /__ratelimit {scope, retry_after, count, path},
// POST /__fail {path, status | "timeout", count}, GET /__guild/<id>, GET /__stats, POST /__reset_stats.
//
// usage: node discord.mjs [port] [--demo]   (prints one JSON line with its URLs once it listens)
import { createServer } from "node:http";
import { createHash, randomBytes } from "node:crypto";

const args = process.argv.slice(2);
const port = Number(args.find((a) => /^\d+$/.test(a)) ?? process.env.PORT ?? 0);
const demo = args.includes("--demo");
const CLIENT_ID = process.env.DISCORD_CLIENT_ID ?? "hub-discord-client";
const CLIENT_SECRET = process.env.DISCORD_CLIENT_SECRET ?? "hub-discord-secret";
const BOT_TOKEN = process.env.DISCORD_BOT_TOKEN ?? "hub-discord-bot-token";
const BOT_ID = "900000000000000001";
const ACCESS_TTL_S = 604800;
const GLOBAL_PER_SECOND = 50;

// Buckets: [limit, window in ms], shared by routes of the same kind, per guild.
const BUCKETS = {
  "member-read": [10, 2000],
  "member-add": [5, 2000],
  "member-roles": [5, 2000],
  "member-modify": [5, 2000],
  "member-kick": [5, 2000],
  guild: [5, 2000],
  me: [5, 2000],
};

const state = {
  users: new Map(), // id -> {id, username, global_name, full}
  codes: new Map(), // code -> {user, scope, challenge, redirect_uri}
  access: new Map(), // token -> {user, scope, expires, grant}
  refresh: new Map(), // token -> {user, scope, grant}
  grants: new Map(), // grant -> {revoked}
  guilds: new Map(), // id -> {id, name, owner_id, roles: Map, members: Map, bot_roles: Set}
  buckets: new Map(), // "<bucket>:<guild>" -> {count, resetAt}
  global: { count: 0, resetAt: 0 },
  scripted429: [], // {scope, retry_after, count, path}
  failures: [], // {path, status, count}
  stats: {
    requests: 0,
    invalid: 0,
    exceeded: 0,
    exceeded_by: {},
    rate_limited: 0,
    by_route: {},
    audit_reasons: [],
    calls: [],
  },
};

function user(id, fields = {}) {
  if (!state.users.has(id))
    state.users.set(id, { id, username: `user${id.slice(-4)}`, global_name: null, full: false });
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && k !== "id") state.users.get(id)[k] = v;
  return state.users.get(id);
}

function guild(id, fields = {}) {
  if (!state.guilds.has(id)) {
    state.guilds.set(id, {
      id,
      name: `Guild ${id}`,
      owner_id: "900000000000000999",
      roles: new Map([[id, { id, name: "@everyone", position: 0 }]]),
      members: new Map(),
      bot_roles: new Set(),
    });
  }
  const g = state.guilds.get(id);
  if (fields.name) g.name = fields.name;
  if (fields.owner_id) g.owner_id = fields.owner_id;
  if (fields.roles) {
    g.roles = new Map([[id, { id, name: "@everyone", position: 0 }]]);
    for (const r of fields.roles) g.roles.set(r.id, { id: r.id, name: r.name, position: r.position });
  }
  if (fields.bot_roles) g.bot_roles = new Set(fields.bot_roles);
  g.members.set(BOT_ID, { user: BOT_ID, roles: new Set(g.bot_roles), nick: null });
  return g;
}

if (demo) {
  user("800000000000000001", { username: "demo.pilot", global_name: "Demo Pilot" });
  user("800000000000000002", { username: "demo.wingmate", global_name: "Demo Wingmate" });
  guild("700000000000000001", {
    name: "Demo Alliance",
    owner_id: "800000000000000099",
    roles: [
      { id: "710000000000000001", name: "Member", position: 1 },
      { id: "710000000000000002", name: "Pilot", position: 2 },
      { id: "710000000000000003", name: "Directors", position: 3 },
      { id: "710000000000000010", name: "Hub Bot", position: 10 },
      { id: "710000000000000011", name: "Server Admin", position: 11 },
    ],
    bot_roles: ["710000000000000010"],
  });
}

function send(res, status, body, headers = {}) {
  if (status === 401 || status === 403) state.stats.invalid += 1;
  const payload = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(payload);
}

const error = (res, status, code, message, headers) => send(res, status, { code, message }, headers);

function bucketName(bucket) {
  return createHash("sha1").update(bucket).digest("hex").slice(0, 12);
}

// Applies the global limit and the route's bucket; answers 429 and returns false when over.
function rateLimit(req, res, bucket, major) {
  const now = Date.now();
  const scripted = state.scripted429.find((s) => s.count > 0 && (!s.path || req.url.startsWith(s.path)));
  if (scripted) {
    scripted.count -= 1;
    state.stats.rate_limited += 1;
    if (scripted.scope !== "shared") state.stats.invalid += 1;
    const headers = {
      "retry-after": String(Math.ceil(scripted.retry_after)),
      "x-ratelimit-scope": scripted.scope,
      ...(scripted.scope === "global" ? { "x-ratelimit-global": "true" } : {}),
    };
    send(
      res,
      429,
      {
        message: "You are being rate limited.",
        retry_after: scripted.retry_after,
        global: scripted.scope === "global",
      },
      headers,
    );
    return false;
  }
  if (now >= state.global.resetAt) state.global = { count: 0, resetAt: now + 1000 };
  state.global.count += 1;
  if (state.global.count > GLOBAL_PER_SECOND) {
    state.stats.exceeded += 1;
    state.stats.exceeded_by.global = (state.stats.exceeded_by.global ?? 0) + 1;
    state.stats.invalid += 1;
    state.stats.rate_limited += 1;
    const retry = (state.global.resetAt - now) / 1000;
    send(
      res,
      429,
      { message: "You are being rate limited.", retry_after: retry, global: true },
      {
        "retry-after": String(Math.ceil(retry)),
        "x-ratelimit-global": "true",
        "x-ratelimit-scope": "global",
      },
    );
    return false;
  }
  const [limit, windowMs] = BUCKETS[bucket];
  const key = `${bucket}:${major}`;
  let b = state.buckets.get(key);
  if (!b || now >= b.resetAt) {
    b = { count: 0, resetAt: now + windowMs };
    state.buckets.set(key, b);
  }
  b.count += 1;
  const resetAfter = Math.max(0, (b.resetAt - now) / 1000);
  const headers = {
    "x-ratelimit-limit": String(limit),
    "x-ratelimit-remaining": String(Math.max(0, limit - b.count)),
    "x-ratelimit-reset": (b.resetAt / 1000).toFixed(3),
    "x-ratelimit-reset-after": resetAfter.toFixed(3),
    "x-ratelimit-bucket": bucketName(bucket),
  };
  if (b.count > limit) {
    state.stats.exceeded += 1;
    state.stats.exceeded_by[bucket] = (state.stats.exceeded_by[bucket] ?? 0) + 1;
    state.stats.invalid += 1;
    state.stats.rate_limited += 1;
    send(
      res,
      429,
      { message: "You are being rate limited.", retry_after: resetAfter, global: false },
      {
        ...headers,
        "retry-after": String(Math.ceil(resetAfter)),
        "x-ratelimit-scope": "user",
      },
    );
    return false;
  }
  res.rateHeaders = headers;
  return true;
}

function reply(res, status, body) {
  send(res, status, body, res.rateHeaders ?? {});
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

function basicClient(req) {
  const [scheme, value] = (req.headers.authorization ?? "").split(" ");
  if (scheme !== "Basic") return null;
  const [id, secret] = Buffer.from(value ?? "", "base64")
    .toString()
    .split(":")
    .map(decodeURIComponent);
  return id === CLIENT_ID && secret === CLIENT_SECRET ? id : null;
}

function issue(userId, scope, grant) {
  const access = randomBytes(24).toString("base64url");
  const refresh = randomBytes(24).toString("base64url");
  state.access.set(access, { user: userId, scope, expires: Date.now() + ACCESS_TTL_S * 1000, grant });
  state.refresh.set(refresh, { user: userId, scope, grant });
  return { access_token: access, token_type: "Bearer", expires_in: ACCESS_TTL_S, refresh_token: refresh, scope };
}

function userToken(token) {
  const t = state.access.get(token);
  if (!t || t.expires < Date.now() || state.grants.get(t.grant)?.revoked) return null;
  return t;
}

function memberJson(g, m) {
  const u = state.users.get(m.user) ?? { id: m.user, username: "bot", global_name: null };
  return { user: { id: u.id, username: u.username, global_name: u.global_name }, roles: [...m.roles], nick: m.nick };
}

function topPosition(g, userId) {
  const m = g.members.get(userId);
  if (!m) return 0;
  return Math.max(0, ...[...m.roles].map((r) => g.roles.get(r)?.position ?? 0));
}

// Whether the bot may change `roleIds` on `target`: each role below the bot's highest, the target not the
// owner and its own highest role below the bot's.
function hierarchyAllows(g, target, roleIds) {
  const bot = topPosition(g, BOT_ID);
  if (target === g.owner_id) return false;
  if (topPosition(g, target) >= bot) return false;
  return roleIds.every((r) => (g.roles.get(r)?.position ?? Infinity) < bot);
}

function pickerPage(url) {
  const users = [...state.users.values()];
  const links = users
    .map((u) => {
      const next = new URL(url);
      next.searchParams.set("user", u.id);
      return `<li><a href="${next.pathname}${next.search}">${u.global_name ?? u.username}</a></li>`;
    })
    .join("");
  return `<!doctype html><meta charset="utf-8"><title>Discord (local)</title><h1>Authorize the hub</h1><p>A local stand-in for Discord: choose who you are.</p><ul>${links}</ul>`;
}

async function handle(req, res) {
  const url = new URL(req.url, "http://peer");
  const path = url.pathname;
  state.stats.requests += 1;

  const failure = state.failures.find((f) => f.count > 0 && path.startsWith(f.path));
  if (failure && !path.startsWith("/__")) {
    failure.count -= 1;
    if (failure.status === "timeout") return; // never answers
    return send(res, failure.status, { message: "scripted failure", code: 0 });
  }

  // Control endpoints.
  if (path.startsWith("/__")) {
    const body = req.method === "POST" ? JSON.parse((await readBody(req)) || "{}") : {};
    if (path === "/__guild" && req.method === "POST") {
      guild(body.id, body);
      return send(res, 200, {});
    }
    if (path.startsWith("/__guild/")) {
      const g = state.guilds.get(path.slice("/__guild/".length));
      if (!g) return send(res, 404, {});
      return send(res, 200, {
        ...g,
        roles: [...g.roles.values()],
        members: [...g.members.values()].map((m) => memberJson(g, m)),
        bot_roles: [...g.bot_roles],
      });
    }
    if (path === "/__member" && req.method === "POST") {
      const g = guild(body.guild);
      const existing = g.members.get(body.user);
      g.members.set(body.user, {
        user: body.user,
        roles: new Set(body.roles ?? [...(existing?.roles ?? [])]),
        nick: body.nick ?? existing?.nick ?? null,
      });
      user(body.user);
      return send(res, 200, {});
    }
    if (path === "/__members" && req.method === "POST") {
      // Bulk seeding (benchmarks): [{user, roles, nick}] join the guild by hand.
      const g = guild(body.guild);
      for (const m of body.members ?? []) {
        g.members.set(m.user, { user: m.user, roles: new Set(m.roles ?? []), nick: m.nick ?? null });
        user(m.user);
      }
      return send(res, 200, { members: g.members.size });
    }
    if (path === "/__buckets" && req.method === "POST") {
      // A bucket's [limit, window in ms], e.g. {"member-read": [20, 1000]}.
      for (const [name, value] of Object.entries(body)) if (BUCKETS[name]) BUCKETS[name] = value;
      return send(res, 200, BUCKETS);
    }
    if (path === "/__member" && req.method === "GET") {
      const g = state.guilds.get(url.searchParams.get("guild"));
      const m = g?.members.get(url.searchParams.get("user"));
      return m ? send(res, 200, memberJson(g, m)) : send(res, 404, {});
    }
    if (path === "/__member" && req.method === "DELETE") {
      state.guilds.get(url.searchParams.get("guild"))?.members.delete(url.searchParams.get("user"));
      return send(res, 200, {});
    }
    if (path === "/__user") {
      user(body.id, body);
      return send(res, 200, {});
    }
    if (path === "/__ratelimit") {
      state.scripted429.push({
        scope: body.scope ?? "user",
        retry_after: body.retry_after ?? 1,
        count: body.count ?? 1,
        path: body.path,
      });
      return send(res, 200, {});
    }
    if (path === "/__fail") {
      state.failures.push({ path: body.path, status: body.status, count: body.count ?? 1 });
      return send(res, 200, {});
    }
    if (path === "/__stats") return send(res, 200, state.stats);
    if (path === "/__reset_stats") {
      state.stats = {
        requests: 0,
        invalid: 0,
        exceeded: 0,
        exceeded_by: {},
        rate_limited: 0,
        by_route: {},
        audit_reasons: [],
        calls: [],
      };
      return send(res, 200, {});
    }
    return send(res, 404, {});
  }

  // OAuth2.
  if (path === "/oauth2/authorize") {
    const redirect = url.searchParams.get("redirect_uri");
    const who = url.searchParams.get("user");
    if (!who) {
      if (!demo) return send(res, 400, { error: "invalid_request", error_description: "tests pass ?user=" });
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(pickerPage(url));
    }
    if (url.searchParams.get("client_id") !== CLIENT_ID || url.searchParams.get("code_challenge_method") !== "S256") {
      return send(res, 400, { error: "invalid_request" });
    }
    user(who, { username: url.searchParams.get("username") ?? state.users.get(who)?.username });
    const code = randomBytes(16).toString("base64url");
    state.codes.set(code, {
      user: who,
      scope: url.searchParams.get("scope") ?? "",
      challenge: url.searchParams.get("code_challenge"),
      redirect_uri: redirect,
    });
    const target = new URL(redirect);
    target.searchParams.set("code", code);
    target.searchParams.set("state", url.searchParams.get("state") ?? "");
    res.writeHead(302, { location: target.toString() });
    return res.end();
  }
  if (path === "/api/oauth2/token" && req.method === "POST") {
    if (!basicClient(req)) return send(res, 401, { error: "invalid_client" });
    const form = new URLSearchParams(await readBody(req));
    if (form.get("grant_type") === "authorization_code") {
      const code = state.codes.get(form.get("code"));
      state.codes.delete(form.get("code"));
      const verifier = form.get("code_verifier") ?? "";
      const challenge = createHash("sha256").update(verifier).digest("base64url");
      if (!code || code.challenge !== challenge || code.redirect_uri !== form.get("redirect_uri")) {
        return send(res, 400, { error: "invalid_grant" });
      }
      const grant = randomBytes(8).toString("hex");
      state.grants.set(grant, { revoked: false });
      return send(res, 200, issue(code.user, code.scope, grant));
    }
    if (form.get("grant_type") === "refresh_token") {
      const old = state.refresh.get(form.get("refresh_token"));
      state.refresh.delete(form.get("refresh_token"));
      if (!old || state.grants.get(old.grant)?.revoked) return send(res, 400, { error: "invalid_grant" });
      return send(res, 200, issue(old.user, old.scope, old.grant));
    }
    return send(res, 400, { error: "unsupported_grant_type" });
  }
  if (path === "/api/oauth2/token/revoke" && req.method === "POST") {
    if (!basicClient(req)) return send(res, 401, { error: "invalid_client" });
    const form = new URLSearchParams(await readBody(req));
    const token = form.get("token");
    const grant = state.refresh.get(token)?.grant ?? state.access.get(token)?.grant;
    if (grant) state.grants.get(grant).revoked = true;
    state.stats.calls.push({ route: "revoke" });
    return send(res, 200, {});
  }

  // REST v10.
  if (!path.startsWith("/api/v10/")) return error(res, 404, 0, "404: Not Found");
  const rest = path.slice("/api/v10".length);
  const auth = req.headers.authorization ?? "";
  const reason = req.headers["x-audit-log-reason"];
  if (reason) state.stats.audit_reasons.push(decodeURIComponent(reason));

  if (rest === "/users/@me" && req.method === "GET") {
    if (!rateLimit(req, res, "me", auth)) return;
    if (auth === `Bot ${BOT_TOKEN}`) return reply(res, 200, { id: BOT_ID, username: "hub-bot", bot: true });
    const token = auth.startsWith("Bearer ") ? userToken(auth.slice(7)) : null;
    if (!token) return error(res, 401, 0, "401: Unauthorized");
    const u = state.users.get(token.user);
    return reply(res, 200, { id: u.id, username: u.username, global_name: u.global_name, discriminator: "0" });
  }
  if (auth !== `Bot ${BOT_TOKEN}`) return error(res, 401, 0, "401: Unauthorized");

  const parts = rest.split("/").filter(Boolean); // guilds, g, members, u, roles, r
  if (parts[0] !== "guilds" || !parts[1]) return error(res, 404, 0, "404: Not Found");
  const g = state.guilds.get(parts[1]);
  const routeKey = `${req.method} /guilds/{g}${parts.length > 2 ? "/" + parts[2] : ""}${parts.length > 3 ? "/{u}" : ""}${parts.length > 4 ? "/roles/{r}" : ""}`;
  state.stats.by_route[routeKey] = (state.stats.by_route[routeKey] ?? 0) + 1;
  state.stats.calls.push({ route: routeKey, guild: parts[1], user: parts[3], role: parts[5], at: Date.now() });
  if (state.stats.calls.length > 2000) state.stats.calls.shift(); // the latest calls only (benchmarks)

  if (parts.length === 2 && req.method === "GET") {
    if (!rateLimit(req, res, "guild", parts[1])) return;
    if (!g) return error(res, 404, 10004, "Unknown Guild");
    return reply(res, 200, { id: g.id, name: g.name, owner_id: g.owner_id });
  }
  if (parts.length === 3 && parts[2] === "roles" && req.method === "GET") {
    if (!rateLimit(req, res, "guild", parts[1])) return;
    if (!g) return error(res, 404, 10004, "Unknown Guild");
    return reply(res, 200, [...g.roles.values()]);
  }
  if (parts[2] !== "members" || !parts[3]) return error(res, 404, 0, "404: Not Found");
  if (!g) return error(res, 404, 10004, "Unknown Guild");
  const target = parts[3];
  const member = g.members.get(target);

  if (parts.length === 4 && req.method === "GET") {
    if (!rateLimit(req, res, "member-read", g.id)) return;
    if (!member) return error(res, 404, 10007, "Unknown Member", res.rateHeaders);
    return reply(res, 200, memberJson(g, member));
  }
  if (parts.length === 4 && req.method === "PUT") {
    if (!rateLimit(req, res, "member-add", g.id)) return;
    const body = JSON.parse((await readBody(req)) || "{}");
    const token = userToken(body.access_token ?? "");
    if (!token || token.user !== target || !token.scope.split(" ").includes("guilds.join")) {
      return error(res, 403, 50025, "Invalid OAuth2 access token", res.rateHeaders);
    }
    if (member) return send(res, 204, undefined, res.rateHeaders);
    if (state.users.get(target)?.full)
      return error(res, 400, 30001, "Maximum number of guilds reached (100)", res.rateHeaders);
    const roles = body.roles ?? [];
    if (!hierarchyAllows(g, target, roles)) return error(res, 403, 50013, "Missing Permissions", res.rateHeaders);
    if (body.nick && body.nick.length > 32) return error(res, 400, 50035, "Invalid Form Body", res.rateHeaders);
    g.members.set(target, { user: target, roles: new Set(roles), nick: body.nick ?? null });
    return reply(res, 201, memberJson(g, g.members.get(target)));
  }
  if (parts.length === 4 && req.method === "PATCH") {
    if (!rateLimit(req, res, "member-modify", g.id)) return;
    if (!member) return error(res, 404, 10007, "Unknown Member", res.rateHeaders);
    const body = JSON.parse((await readBody(req)) || "{}");
    if (body.roles) {
      const changed = [...new Set([...body.roles, ...member.roles])].filter(
        (r) => body.roles.includes(r) !== member.roles.has(r),
      );
      if (!hierarchyAllows(g, target, changed)) return error(res, 403, 50013, "Missing Permissions", res.rateHeaders);
    }
    if ("nick" in body) {
      if (body.nick !== null && (body.nick.length < 1 || body.nick.length > 32)) {
        return error(res, 400, 50035, "Invalid Form Body", res.rateHeaders);
      }
      if (!hierarchyAllows(g, target, [])) return error(res, 403, 50013, "Missing Permissions", res.rateHeaders);
    }
    if (body.roles) member.roles = new Set(body.roles);
    if ("nick" in body) member.nick = body.nick;
    return reply(res, 200, memberJson(g, member));
  }
  if (parts.length === 4 && req.method === "DELETE") {
    if (!rateLimit(req, res, "member-kick", g.id)) return;
    if (!member) return error(res, 404, 10007, "Unknown Member", res.rateHeaders);
    if (!hierarchyAllows(g, target, [])) return error(res, 403, 50013, "Missing Permissions", res.rateHeaders);
    g.members.delete(target);
    return send(res, 204, undefined, res.rateHeaders);
  }
  if (parts.length === 6 && parts[4] === "roles" && (req.method === "PUT" || req.method === "DELETE")) {
    if (!rateLimit(req, res, "member-roles", g.id)) return;
    if (!member) return error(res, 404, 10007, "Unknown Member", res.rateHeaders);
    const role = parts[5];
    if (!g.roles.has(role)) return error(res, 404, 10011, "Unknown Role", res.rateHeaders);
    if (!hierarchyAllows(g, target, [role])) return error(res, 403, 50013, "Missing Permissions", res.rateHeaders);
    if (req.method === "PUT") member.roles.add(role);
    else member.roles.delete(role);
    return send(res, 204, undefined, res.rateHeaders);
  }
  return error(res, 404, 0, "404: Not Found");
}

const server = createServer((req, res) => {
  handle(req, res).catch((e) => {
    console.error(e);
    if (!res.headersSent) send(res, 500, { message: String(e), code: 0 });
  });
});

server.listen(port, "127.0.0.1", () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  console.log(
    JSON.stringify({
      base_url: base,
      api_base: `${base}/api/v10`,
      authorize_url: `${base}/oauth2/authorize`,
      token_url: `${base}/api/oauth2/token`,
      revoke_url: `${base}/api/oauth2/token/revoke`,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      bot_token: BOT_TOKEN,
      bot_id: BOT_ID,
    }),
  );
});
