// A local ESI for tests and the demo: a plain HTTP server that behaves like ESI where it matters to
// a polite client.
// - ETag / If-None-Match -> 304, Expires, Last-Modified, X-Pages (1,000 items per page);
// - X-ESI-Error-Limit-Remain / -Reset counting down with every error, then 420 for everyone until
//   the window resets;
// - 429 with Retry-After for a rate-limit group (scripted), and X-Ratelimit-* headers;
// - scripted 5xx and timeouts;
// - bearer tokens from the local EVE SSO: the JWT's `sub` must be the character in the path
//   (403 otherwise), and corporation routes need a member of that corporation holding the Director
//   role (403 "required role(s)");
// - the character's roles (`/characters/{id}/roles/`) and public corporation info
//   (`/corporations/{id}/`: name, ticker, CEO), alliance info (`/alliances/{id}/`);
// - `POST /universe/names/`: up to 1,000 ids of any kind named with their category; one id it does
//   not know fails the whole batch with 404, as ESI does;
// - `GET /universe/structures/{id}/`: a player structure's name, for a character with docking
//   access and the read_structures scope (403 otherwise).
//
// Control endpoints (tests): POST /__config {characters: {<id>: {corporation_id, alliance_id,
// assets, journal, balance}}, corporations: {<id>: {members, name, ticker, ceo_id, alliance_id,
// exists}}, alliances: {<id>: {name, ticker}}, names: {<id>: {category, name}}, invalid_ids: [<id>],
// structures: {<id>: {name, solar_system_id, access: [<character id>]}}, cache_seconds}, POST /__mutate
// {character_id, dataset, page}, POST /__fail {path, status|"timeout", count}, POST /__ratelimit
// {group, retry_after, count}, POST /__roles {character_id, roles}, POST /__error_limit {remain,
// reset_seconds}, GET /__stats, POST /__reset_stats.
//
// usage: node esi.mjs [port]   (prints one JSON line with its URL once it listens)
import { createServer } from "node:http";
import { createHash } from "node:crypto";

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const PAGE = 1000;
const ERROR_LIMIT = 100;
const ERROR_WINDOW_S = 60;

const state = {
  cacheSeconds: 300,
  characters: new Map(), // id -> {corporation_id, alliance_id, assets, journal, balance, versions: {dataset: n}}
  corporations: new Map(), // id -> {members}
  alliances: new Map(), // id -> {name, ticker}
  names: new Map(), // id -> {category, name}: names /universe/names/ gives beyond the made-up ones
  invalidIds: new Set(), // ids /universe/names/ does not know
  structures: new Map(), // id -> {name, solar_system_id, access: [character ids with docking access]}
  roles: new Map(), // character id -> ["Director", ...]
  failures: [], // {path, status, count}
  rateLimits: new Map(), // group -> {retry_after, count}
  errors: { remain: ERROR_LIMIT, resetAt: Date.now() + ERROR_WINDOW_S * 1000 },
  // corporation_requests: the director-only corporation routes.
  stats: {
    requests: 0, corporation_requests: 0, bodies: 0, bytes: 0, not_modified: 0, errors: 0, error_limited: 0,
    names_requests: 0, names_ids: 0, detail_requests: 0, structure_requests: 0,
  },
};

function character(id) {
  if (!state.characters.has(id)) {
    state.characters.set(id, {
      corporation_id: 98000001,
      alliance_id: null,
      assets: 10,
      journal: 5,
      balance: "1234567.89",
      versions: {},
    });
  }
  return state.characters.get(id);
}

function version(who, dataset, page) {
  return who.versions[`${dataset}:${page}`] ?? who.versions[dataset] ?? 0;
}

// A stable "last modified" per dataset version.
const epoch = Date.UTC(2026, 10, 26, 0, 0, 0);
const lastModified = (v) => new Date(epoch + v * 60_000).toUTCString();

function errorWindow() {
  if (Date.now() >= state.errors.resetAt) {
    state.errors.remain = ERROR_LIMIT;
    state.errors.resetAt = Date.now() + ERROR_WINDOW_S * 1000;
  }
  return state.errors;
}

function send(res, status, body, headers = {}) {
  const errors = errorWindow();
  if (status >= 400 && status !== 420) {
    errors.remain = Math.max(0, errors.remain - 1);
    state.stats.errors += 1;
  }
  const payload = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=UTF-8",
    "x-esi-error-limit-remain": String(errors.remain),
    "x-esi-error-limit-reset": String(Math.max(1, Math.ceil((errors.resetAt - Date.now()) / 1000))),
    ...headers,
  });
  res.end(payload);
}

/** The scopes the bearer token carries (`scp`: a string or a list, as EVE SSO signs it). */
function bearerScopes(req) {
  const auth = req.headers.authorization ?? "";
  try {
    const payload = JSON.parse(Buffer.from(auth.slice(7).split(".")[1], "base64url").toString());
    return [payload.scp ?? []].flat();
  } catch {
    return [];
  }
}

// `GET /universe/structures/{id}/`: only for a character with docking access (the structure's
// `access` list) and the esi-universe.read_structures.v1 scope; 403 otherwise, as ESI does.
function structureRoute(req, res, url, id) {
  state.stats.structure_requests += 1;
  const caller = bearerCharacter(req);
  if (caller === null) return send(res, 401, { error: "authentication required" });
  if (!bearerScopes(req).includes("esi-universe.read_structures.v1")) {
    return send(res, 403, { error: "token not valid for scope(s): esi-universe.read_structures.v1" });
  }
  const structure = state.structures.get(id);
  if (!structure) return send(res, 404, { error: "Structure not found" });
  if (!(structure.access ?? []).includes(caller)) return send(res, 403, { error: "Forbidden" });
  const { name, owner_id = 98000001, solar_system_id = 30000142, type_id = 35832 } = structure;
  return answer(req, res, url, { name, owner_id, solar_system_id, type_id }, { version: 0 });
}

function bearerCharacter(req) {
  const auth = req.headers.authorization ?? "";
  if (!auth.startsWith("Bearer ")) return null;
  try {
    const payload = JSON.parse(Buffer.from(auth.slice(7).split(".")[1], "base64url").toString());
    const match = /^CHARACTER:EVE:(\d+)$/.exec(payload.sub ?? "");
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

// Cached, paged, conditional answers.
function answer(req, res, url, items, opts) {
  const page = Number(url.searchParams.get("page") ?? 1);
  const pages = opts.paged ? Math.max(1, Math.ceil(items.length / PAGE)) : 1;
  if (page < 1 || page > pages) return send(res, 404, { error: "Requested page does not exist" });
  const body = JSON.stringify(opts.paged ? items.slice((page - 1) * PAGE, page * PAGE) : items);
  const etag = `"${createHash("sha1").update(body).digest("hex").slice(0, 16)}"`;
  const headers = {
    etag,
    expires: new Date(Date.now() + state.cacheSeconds * 1000).toUTCString(),
    "last-modified": lastModified(opts.version),
    ...(opts.paged ? { "x-pages": String(pages) } : {}),
    ...(opts.group
      ? { "x-ratelimit-group": opts.group, "x-ratelimit-limit": "150/15m", "x-ratelimit-remaining": "140", "x-ratelimit-used": "10" }
      : {}),
  };
  if (req.headers["if-none-match"] === etag) {
    state.stats.not_modified += 1;
    return send(res, 304, undefined, headers);
  }
  state.stats.bodies += 1;
  state.stats.bytes += body.length;
  send(res, 200, body, headers);
}

// Public corporation info: configured, or made up from the id (as if every id were a corporation,
// unless configured with exists: false).
function corporationInfo(id) {
  const corp = state.corporations.get(id) ?? {};
  if (corp.exists === false || id < 1000000) return null;
  return {
    name: corp.name ?? (id === 98000001 ? "Demo Corporation" : `Corporation ${id}`),
    ticker: corp.ticker ?? (id === 98000001 ? "DEMO" : `C${id % 100000}`),
    member_count: corp.members?.length ?? 1,
    ceo_id: corp.ceo_id ?? 3000001,
    ...(corp.alliance_id ? { alliance_id: corp.alliance_id } : {}),
    date_founded: "2015-03-24T11:37:00Z",
    creator_id: corp.ceo_id ?? 3000001,
    tax_rate: 0.1,
  };
}

// What /universe/names/ says of an id: configured, or made up from EVE's id ranges (null: unknown).
function nameOf(id) {
  if (state.invalidIds.has(id)) return null;
  const configured = state.names.get(id);
  if (configured) return { id, ...configured };
  const made = (category, name) => ({ id, category, name });
  if (id >= 90_000_000 && id < 98_000_000) return made("character", `Pilot ${id}`);
  if (id >= 2_100_000_000 && id < 2_200_000_000) return made("character", `Pilot ${id}`);
  if (id >= 98_000_000 && id < 99_000_000) {
    const info = corporationInfo(id);
    return info ? made("corporation", info.name) : null;
  }
  if (id >= 99_000_000 && id < 100_000_000) return made("alliance", allianceInfo(id).name);
  if (id >= 1_000_000 && id < 2_000_000) return made("corporation", `NPC Corporation ${id}`);
  if (id >= 3_000_000 && id < 4_000_000) return made("character", `Agent ${id}`);
  if (id >= 500_000 && id < 600_000) return made("faction", `Faction ${id}`);
  if (id >= 10_000_000 && id < 20_000_000) return made("region", `Region ${id}`);
  if (id >= 20_000_000 && id < 30_000_000) return made("constellation", `Constellation ${id}`);
  if (id >= 30_000_000 && id < 40_000_000) return made("solar_system", `System ${id}`);
  if (id >= 60_000_000 && id < 64_000_000) return made("station", `Station ${id}`);
  if (id > 0 && id < 500_000) return made("inventory_type", `Type ${id}`);
  return null;
}

function allianceInfo(id) {
  const a = state.alliances.get(id) ?? {};
  return {
    name: a.name ?? `Alliance ${id}`,
    ticker: a.ticker ?? `A${id % 10000}`,
    executor_corporation_id: 98000001,
    creator_corporation_id: 98000001,
    creator_id: 3000001,
    date_founded: "2016-01-01T00:00:00Z",
  };
}

async function universeNames(req, res) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  let ids;
  try {
    ids = JSON.parse(Buffer.concat(chunks).toString());
  } catch {
    return send(res, 400, { error: "Invalid body" });
  }
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 1000 || !ids.every(Number.isInteger)) {
    return send(res, 400, { error: "ids must be a list of 1 to 1000 integers" });
  }
  state.stats.names_requests += 1;
  state.stats.names_ids += ids.length;
  const names = [...new Set(ids)].map(nameOf);
  if (names.some((n) => n === null)) return send(res, 404, { error: "Ensure all IDs are valid before resolving." });
  send(res, 200, names);
}

function characterRoutes(req, res, url, id, rest) {
  const who = character(id);
  const authed = !["", "corporationhistory/", "portrait/"].includes(rest);
  if (authed) {
    const caller = bearerCharacter(req);
    if (caller === null) return send(res, 401, { error: "authentication required" });
    if (caller !== id) return send(res, 403, { error: "token is not valid for this character" });
  }
  switch (rest) {
    case "":
      return answer(req, res, url, {
        name: `Pilot ${id}`,
        corporation_id: who.corporation_id,
        ...(who.alliance_id ? { alliance_id: who.alliance_id } : {}),
        birthday: "2015-03-24T11:37:00Z",
        security_status: 1.5,
      }, { version: version(who, "public", 1) });
    case "wallet/":
      return answer(req, res, url, Number(who.balance), { version: version(who, "wallet", 1), group: "char-wallet" });
    case "wallet/journal/": {
      const v = version(who, "journal", 1);
      const entries = Array.from({ length: who.journal }, (_, i) => ({
        id: 9_000_000_000_000 + i + v * 1_000_000,
        date: new Date(epoch - i * 3_600_000).toISOString(),
        ref_type: i % 2 ? "bounty_prizes" : "market_transaction",
        amount: i % 2 ? 1500000.55 : -250000.1,
        balance: 1234567.89 - i,
        description: `Journal entry ${i}`,
      }));
      return answer(req, res, url, entries, { paged: true, version: v, group: "char-wallet" });
    }
    case "assets/": {
      const items = Array.from({ length: who.assets }, (_, i) => {
        const page = Math.floor(i / PAGE) + 1;
        const v = version(who, "assets", page);
        return {
          item_id: 1_000_000_000_000 + i,
          type_id: 34 + (i % 7),
          location_id: 60003760,
          location_type: "station",
          location_flag: "Hangar",
          quantity: 1 + (i % 100) + v,
          is_singleton: false,
        };
      });
      const v = Math.max(0, ...Object.entries(who.versions).filter(([k]) => k.startsWith("assets")).map(([, n]) => n));
      return answer(req, res, url, items, { paged: true, version: v, group: "char-assets" });
    }
    case "corporationhistory/":
      return answer(req, res, url, [
        { record_id: 2, corporation_id: who.corporation_id, start_date: "2020-01-01T00:00:00Z" },
        { record_id: 1, corporation_id: 1000125, start_date: "2015-03-24T11:37:00Z" },
      ], { version: version(who, "history", 1) });
    case "portrait/":
      return answer(req, res, url, Object.fromEntries([64, 128, 256, 512].map((px) => [
        `px${px}x${px}`, `https://images.evetech.net/characters/${id}/portrait?size=${px}`,
      ])), { version: 0 });
    case "skills/":
      return answer(req, res, url, {
        skills: [3300, 3301, 3327].map((skill_id, i) => ({
          skill_id, trained_skill_level: 5 - i, active_skill_level: 5 - i, skillpoints_in_skill: 256000 - i * 1000,
        })),
        total_sp: 5000000 + version(who, "skills", 1),
        unallocated_sp: 1000,
      }, { version: version(who, "skills", 1) });
    case "skillqueue/":
      return answer(req, res, url, [
        { queue_position: 0, skill_id: 3327, finished_level: 4, start_date: "2026-11-25T00:00:00Z", finish_date: "2026-11-30T00:00:00Z" },
        { queue_position: 1, skill_id: 3301, finished_level: 5 },
      ], { version: version(who, "skillqueue", 1) });
    case "roles/":
      return answer(req, res, url, {
        roles: state.roles.get(id) ?? [],
        roles_at_base: [],
        roles_at_hq: [],
        roles_at_other: [],
      }, { version: version(who, "roles", 1) });
    case "orders/":
      return answer(req, res, url, Array.from({ length: 3 }, (_, i) => ({
        order_id: 6_000_000_000 + i, type_id: 34 + i, location_id: 60003760, region_id: 10000002,
        price: 5.25 + i, volume_total: 1000, volume_remain: 500 - i, is_buy_order: i === 2,
        issued: "2026-11-20T12:00:00Z", duration: 90,
      })), { version: version(who, "orders", 1), group: "char-market" });
    case "wallet/transactions/":
      return answer(req, res, url, Array.from({ length: 4 }, (_, i) => ({
        transaction_id: 5_000_000_000 + i, date: new Date(epoch - i * 7_200_000).toISOString(), type_id: 34,
        location_id: 60003760, quantity: 100 * (i + 1), unit_price: 4.75, is_buy: i % 2 === 0,
        client_id: 2112000000 + i, journal_ref_id: 9_000_000_000_000 + i, is_personal: true,
      })), { version: version(who, "transactions", 1), group: "char-wallet" });
    default:
      return send(res, 404, { error: "Not found" });
  }
}

function corporationRoutes(req, res, url, id, rest) {
  if (rest === "") {
    state.stats.detail_requests += 1;
    const info = corporationInfo(id);
    if (!info) return send(res, 404, { error: "Corporation not found" });
    return answer(req, res, url, info, { version: 0 });
  }
  state.stats.corporation_requests += 1;
  const caller = bearerCharacter(req);
  if (caller === null) return send(res, 401, { error: "authentication required" });
  if (character(caller).corporation_id !== id || !(state.roles.get(caller) ?? []).includes("Director")) {
    return send(res, 403, { error: "Character does not have required role(s)" });
  }
  const corp = state.corporations.get(id) ?? { members: [] };
  const v = corp.version ?? 0;
  if (rest === "members/") return answer(req, res, url, corp.members, { version: v, group: "corp-member" });
  if (rest === "membertracking/") {
    return answer(req, res, url, corp.members.map((character_id, i) => ({
      character_id, location_id: 30000142, ship_type_id: 670, start_date: "2020-01-01T00:00:00Z",
      logon_date: new Date(epoch - i * 3_600_000).toISOString(), logoff_date: new Date(epoch - i * 1_800_000).toISOString(),
    })), { version: v, group: "corp-member" });
  }
  if (rest === "wallets/") {
    return answer(req, res, url, Array.from({ length: 7 }, (_, i) => ({ division: i + 1, balance: (i + 1) * 1000000.5 })),
      { version: v, group: "corp-wallet" });
  }
  const journal = /^wallets\/(\d)\/journal\/$/.exec(rest);
  if (journal) {
    const division = Number(journal[1]);
    const entries = Array.from({ length: division === 1 ? 3 : 0 }, (_, i) => ({
      id: 8_000_000_000 + i, date: new Date(epoch - i * 3_600_000).toISOString(), ref_type: "player_donation",
      amount: 1000000.25, balance: 1000000.5 + i, description: `Corp journal ${i}`,
    }));
    return answer(req, res, url, entries, { paged: true, version: v, group: "corp-wallet" });
  }
  if (rest === "assets/") {
    const items = Array.from({ length: corp.assets ?? 5 }, (_, i) => ({
      item_id: 2_000_000_000_000 + i, type_id: 35, location_id: 1_035_000_000_000, location_type: "item",
      location_flag: "CorpSAG1", quantity: 1000 + i, is_singleton: false,
    }));
    return answer(req, res, url, items, { paged: true, version: v, group: "corp-assets" });
  }
  if (rest === "structures/") {
    return answer(req, res, url, [{ structure_id: 1_035_000_000_000, type_id: 35832, system_id: 30000142,
      name: "Jita - Keepstar", state: "shield_vulnerable", fuel_expires: "2026-12-24T00:00:00Z" }],
      { paged: true, version: v, group: "corp-structure" });
  }
  if (rest === "orders/") {
    return answer(req, res, url, [{ order_id: 7_000_000_000, type_id: 34, location_id: 60003760, region_id: 10000002,
      price: 6.5, volume_total: 10000, volume_remain: 4000, is_buy_order: false, issued: "2026-11-20T00:00:00Z",
      duration: 90, wallet_division: 1 }], { paged: true, version: v, group: "corp-market" });
  }
  return send(res, 404, { error: "Not found" });
}

async function control(req, res, url) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {};
  switch (url.pathname) {
    case "/__config":
      if (body.cache_seconds !== undefined) state.cacheSeconds = body.cache_seconds;
      for (const [id, cfg] of Object.entries(body.characters ?? {})) Object.assign(character(Number(id)), cfg);
      for (const [id, cfg] of Object.entries(body.corporations ?? {})) state.corporations.set(Number(id), cfg);
      for (const [id, cfg] of Object.entries(body.alliances ?? {})) state.alliances.set(Number(id), cfg);
      for (const [id, cfg] of Object.entries(body.names ?? {})) state.names.set(Number(id), cfg);
      for (const id of body.invalid_ids ?? []) state.invalidIds.add(Number(id));
      for (const [id, cfg] of Object.entries(body.structures ?? {})) state.structures.set(Number(id), cfg);
      break;
    case "/__mutate": {
      const who = character(Number(body.character_id));
      const key = body.page ? `${body.dataset}:${body.page}` : body.dataset;
      who.versions[key] = (who.versions[key] ?? 0) + 1;
      break;
    }
    case "/__fail":
      state.failures.push({ path: body.path, status: body.status, count: body.count ?? 1 });
      break;
    case "/__ratelimit":
      state.rateLimits.set(body.group, { retry_after: body.retry_after ?? 5, count: body.count ?? 1 });
      break;
    case "/__error_limit":
      // Tests: the deployment has burnt its error budget (0: 420 for everyone until the reset).
      errorWindow().remain = body.remain;
      state.errors.resetAt = Date.now() + (body.reset_seconds ?? ERROR_WINDOW_S) * 1000;
      break;
    case "/__roles":
      state.roles.set(Number(body.character_id), body.roles ?? []);
      break;
    case "/__reset_stats":
      for (const k of Object.keys(state.stats)) state.stats[k] = 0;
      break;
    case "/__stats":
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ ...state.stats, error_limit_remain: errorWindow().remain }));
    default:
      res.writeHead(404).end();
      return;
  }
  res.writeHead(204).end();
}

const groupOf = (path) =>
  path.includes("/wallet") ? "char-wallet" : path.includes("/assets") ? "char-assets" : null;

const server = createServer(async (req, res) => {
  const url = new URL(req.url, "http://esi");
  if (url.pathname.startsWith("/__")) return control(req, res, url);
  state.stats.requests += 1;
  const errors = errorWindow();
  if (errors.remain <= 0) {
    state.stats.error_limited += 1;
    return send(res, 420, { error: "This software has exceeded the error limit for ESI." });
  }
  const failure = state.failures.find((f) => url.pathname.startsWith(f.path) && f.count > 0);
  if (failure) {
    failure.count -= 1;
    if (failure.status === "timeout") return; // never answers: the client's timeout fires
    return send(res, failure.status, { error: "scripted failure" });
  }
  const group = groupOf(url.pathname);
  const limited = group && state.rateLimits.get(group);
  if (limited && limited.count > 0) {
    limited.count -= 1;
    return send(res, 429, { error: "rate limited" }, { "retry-after": String(limited.retry_after), "x-ratelimit-group": group });
  }
  if (url.pathname === "/universe/names/" && req.method === "POST") return universeNames(req, res);
  const structure = /^\/universe\/structures\/(\d+)\/$/.exec(url.pathname);
  if (structure) return structureRoute(req, res, url, Number(structure[1]));
  const alliance = /^\/alliances\/(\d+)\/$/.exec(url.pathname);
  if (alliance) {
    state.stats.detail_requests += 1;
    const id = Number(alliance[1]);
    if (!nameOf(id) || id < 99_000_000 || id >= 100_000_000) return send(res, 404, { error: "Alliance not found" });
    return answer(req, res, url, allianceInfo(id), { version: 0 });
  }
  let match = /^\/characters\/(\d+)\/(.*)$/.exec(url.pathname);
  if (match) return characterRoutes(req, res, url, Number(match[1]), match[2]);
  match = /^\/corporations\/(\d+)\/(.*)$/.exec(url.pathname);
  if (match) return corporationRoutes(req, res, url, Number(match[1]), match[2]);
  send(res, 404, { error: "Not found" });
});

server.listen(port, "127.0.0.1", () => {
  console.log(JSON.stringify({ base_url: `http://127.0.0.1:${server.address().port}` }));
});
const stop = () => process.exit(0);
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
