// A local EVE SSO for tests and the demo: oauth2-mock-server (a real OAuth 2 server with RS256 JWTs
// and a JWKS) issuing tokens with EVE's claims: sub CHARACTER:EVE:<id>, name, owner, aud
// [client id, "EVE Online"], azp, scp.
//
// Which character logs in comes from extra query parameters on /authorize (character_id,
// character_name, owner), so tests can play several pilots and a sold character; without them the
// demo pilot logs in. Prints one JSON line with its URLs once it listens.
//
// usage: node eve-sso.mjs [port] (env CLIENT_ID, default hub-local)
import { createServer } from "node:http";
import { OAuth2Server } from "oauth2-mock-server";

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const clientId = process.env.CLIENT_ID ?? "hub-local";
const demo = { id: "90000001", name: "Demo Pilot", owner: "demo-owner-hash" };

const server = new OAuth2Server();
await server.issuer.keys.generate("RS256");

const codes = new Map(); // authorization code -> character
const refreshTokens = new Map(); // refresh token -> character
const stats = { token_requests: 0, refresh_grants: 0, revocations: 0 };
// Every token handed out (tests check that none reaches a log).
const issued = [];
// Tests: the JWKS served late (a verifier waiting for the keys), through the picker's /jwks.
let jwksDelayMs = 0;
// Access token lifetime in seconds (EVE's is 20 minutes). Tests shorten the one issued at login, so
// the first use after a login needs a refresh; refreshed tokens get the full lifetime.
const accessTokenTtl = 1200;
const loginAccessTokenTtl = Number(process.env.LOGIN_ACCESS_TOKEN_TTL ?? accessTokenTtl);
const ttlFor = (body) => (body.grant_type === "authorization_code" ? loginAccessTokenTtl : accessTokenTtl);

server.service.on("beforeAuthorizeRedirect", (redirect, req) => {
  const query = new URL(req.url, "http://peer").searchParams;
  const code = redirect.url.searchParams.get("code");
  if (!code) return;
  codes.set(code, {
    id: query.get("character_id") ?? demo.id,
    name: query.get("character_name") ?? demo.name,
    owner: query.get("owner") ?? demo.owner,
    scopes: (query.get("scope") ?? "").split(" ").filter(Boolean),
    // Tests: a grant the user revoked right away, so its first refresh gets invalid_grant.
    revoked: query.get("revoked") === "1",
  });
});

function characterOf(body) {
  return body.grant_type === "refresh_token" ? refreshTokens.get(body.refresh_token) : codes.get(body.code);
}

server.service.on("beforeTokenSigning", (token, req) => {
  token.payload.exp = Math.floor(Date.now() / 1000) + ttlFor(req.body);
  const who = characterOf(req.body);
  if (!who) return;
  delete token.payload.amr;
  delete token.payload.scope;
  Object.assign(token.payload, {
    sub: `CHARACTER:EVE:${who.id}`,
    name: who.name,
    owner: who.owner,
    aud: [clientId, "EVE Online"],
    azp: clientId,
    scp: who.scopes,
    tenant: "tranquility",
    region: "world",
  });
});

// Counted here, once per token request (signing also runs for the id_token).
server.service.on("beforeResponse", (response, req) => {
  stats.token_requests += 1;
  if (req.body.grant_type === "refresh_token") stats.refresh_grants += 1;
  const who = characterOf(req.body);
  if (!who) {
    // An unknown or used code, or a revoked refresh token: what EVE SSO answers.
    response.statusCode = 400;
    response.body = { error: "invalid_grant", error_description: "Invalid authorization grant" };
    return;
  }
  if (req.body.grant_type === "authorization_code") codes.delete(req.body.code); // single use
  // Refresh tokens rotate: the one just used stops working, so a client must keep the new one.
  if (req.body.grant_type === "refresh_token") refreshTokens.delete(req.body.refresh_token);
  response.body.expires_in = ttlFor(req.body);
  if (issued.length < 2000) issued.push(response.body.access_token, response.body.refresh_token);
  if (response.body.refresh_token && !who.revoked) refreshTokens.set(response.body.refresh_token, who);
});

// RFC 7009 revocation at EVE's path (the built-in /revoke does not read its body): the client
// authenticates with HTTP Basic; the refresh token stops working.
server.service.addRoute("POST", "/v2/oauth/revoke", (req, res) => {
  const [scheme, credentials] = (req.headers.authorization ?? "").split(" ");
  const client = scheme === "Basic" ? Buffer.from(credentials ?? "", "base64").toString().split(":")[0] : "";
  if (decodeURIComponent(client) !== clientId) {
    res.writeHead(401, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "invalid_client" }));
    return;
  }
  stats.revocations += 1;
  const token = req.body?.token;
  if (typeof token === "string") refreshTokens.delete(token);
  res.writeHead(200).end();
});

await server.start(port, "127.0.0.1");
// Endpoints on the loopback address the server listens on; the issuer as it signs tokens.
const base = server.issuer.url.replace("://localhost:", "://127.0.0.1:");

// The demo's login page: pick a test pilot, then continue to the real /authorize with it.
const pilots = [
  { id: "90000001", name: "Demo Pilot", owner: "demo-owner-hash" },
  { id: "90000002", name: "Demo Alt", owner: "demo-owner-hash" },
  { id: "90000003", name: "Other Player", owner: "other-owner-hash" },
  // The browser tests' pilots (tests/browser): a player with an alt, and a group's owner.
  { id: "90000004", name: "Rookie Pilot", owner: "rookie-owner-hash" },
  { id: "90000005", name: "Rookie Alt", owner: "rookie-owner-hash" },
  { id: "90000006", name: "Fleet Commander", owner: "fc-owner-hash" },
];
const escape = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const picker = createServer((req, res) => {
  const url = new URL(req.url, "http://picker");
  if (url.pathname === "/slow/token" && req.method === "POST") {
    // The token endpoint, answered after a delay: lets tests overlap concurrent refreshes.
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      await new Promise((r) => setTimeout(r, Number(process.env.SLOW_TOKEN_MS ?? 500)));
      const headers = { ...req.headers };
      delete headers.host;
      delete headers["content-length"];
      const upstream = await fetch(`${base}/token`, { method: "POST", headers, body: Buffer.concat(chunks) });
      res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    });
    return;
  }
  if (url.pathname === "/__sell" && req.method === "POST") {
    // The character is sold: tokens refreshed from now on carry the buyer's owner hash.
    const id = url.searchParams.get("character_id");
    const owner = url.searchParams.get("owner");
    let sold = 0;
    for (const who of refreshTokens.values()) {
      if (who.id === id) {
        who.owner = owner;
        sold += 1;
      }
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ sold }));
    return;
  }
  if (url.pathname === "/__stats") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(stats));
    return;
  }
  if (url.pathname === "/jwks") {
    setTimeout(async () => {
      const upstream = await fetch(`${base}/jwks`);
      res.writeHead(upstream.status, { "content-type": "application/json" });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    }, jwksDelayMs);
    return;
  }
  if (url.pathname === "/__jwks_delay" && req.method === "POST") {
    jwksDelayMs = Number(url.searchParams.get("ms") ?? 0);
    res.writeHead(204).end();
    return;
  }
  if (url.pathname === "/__issued") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(issued.filter(Boolean)));
    return;
  }
  if (url.pathname !== "/authorize") {
    res.writeHead(404).end();
    return;
  }
  const links = pilots
    .map((p) => {
      const query = new URLSearchParams(url.searchParams);
      query.set("character_id", p.id);
      query.set("character_name", p.name);
      query.set("owner", p.owner);
      return `<li><a href="${escape(`${base}/authorize?${query}`)}">${escape(p.name)}</a> <small>#${p.id}</small></li>`;
    })
    .join("");
  res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(`<!doctype html><meta charset="utf-8"><title>Demo EVE SSO</title>
<h1>Demo EVE SSO</h1><p>Local test login: choose a pilot.</p><ul>${links}</ul>`);
});
await new Promise((resolve) => picker.listen(0, "127.0.0.1", resolve));
console.log(
  JSON.stringify({
    issuer: server.issuer.url,
    authorize_url: `${base}/authorize`,
    token_url: `${base}/token`,
    jwks_url: `${base}/jwks`,
    // The same keys through the picker, which can answer late (POST /__jwks_delay?ms=).
    delayed_jwks_url: `http://127.0.0.1:${picker.address().port}/jwks`,
    revoke_url: `${base}/v2/oauth/revoke`,
    demo_authorize_url: `http://127.0.0.1:${picker.address().port}/authorize`,
    stats_url: `http://127.0.0.1:${picker.address().port}/__stats`,
    sell_url: `http://127.0.0.1:${picker.address().port}/__sell`,
    slow_token_url: `http://127.0.0.1:${picker.address().port}/slow/token`,
    client_id: clientId,
  }),
);
// Nothing to save: leave at once, whatever connections are still open.
const stop = () => process.exit(0);
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
