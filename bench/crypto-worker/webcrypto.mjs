// The WebCrypto reference of `just bench`: the same three operations as bench-crypto-worker, done
// with workerd's built-in `crypto.subtle` (BoringSSL) instead of Rust compiled to wasm.
//   GET /?op=jwt|seal|open&n=N   performs N operations, answers N
// Inputs come from text bindings (the public benchmark fixture, crates/hub-bench/src/fixture.rs).
// jwt: split, RSASSA-PKCS1-v1_5 SHA-256 signature check, JSON.parse of header and claims and the
// iss/aud/azp/exp checks: close to hub_sso::jwt::verify, minus its typed errors. seal/open:
// AES-256-GCM with a fresh 12-byte nonce and associated data, as hub_vault (without its envelope).
const enc = new TextEncoder();
const b64url = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const json = (s) => JSON.parse(atob(s.replace(/-/g, "+").replace(/_/g, "/")));

let prepared = null;

async function prepare(env) {
  const jwk = JSON.parse(env.JWKS).keys[0];
  const rsa = await crypto.subtle.importKey("jwk", { kty: jwk.kty, n: jwk.n, e: jwk.e },
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
  // A PUBLIC TEST VALUE, NOT A SECRET: the same fixed key as hub-bench's BENCH_VAULT_KEY.
  const aes = await crypto.subtle.importKey("raw", enc.encode(env.VAULT_KEY), "AES-GCM", false, ["encrypt", "decrypt"]);
  const plaintext = enc.encode(env.TOKEN);
  const additionalData = enc.encode("eve-auth-hub/vault/v1 eve-sso 2112625428 access_token 1");
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData }, aes, plaintext);
  return { rsa, aes, plaintext, additionalData, iv, sealed, token: env.TOKEN, clientId: env.CLIENT_ID,
    nowSecs: Number(env.NOW_SECS) };
}

const ops = {
  async jwt(p) {
    const [h, c, s] = p.token.split(".");
    const header = json(h);
    if (header.alg !== "RS256") throw new Error("alg");
    if (!(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", p.rsa, b64url(s), enc.encode(`${h}.${c}`)))) {
      throw new Error("bad signature");
    }
    const claims = json(c);
    if (claims.iss !== "https://login.eveonline.com" || !claims.aud.includes(p.clientId) ||
        claims.azp !== p.clientId || p.nowSecs > claims.exp + 30) {
      throw new Error("claims");
    }
  },
  async seal(p) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: p.additionalData }, p.aes, p.plaintext);
  },
  async open(p) {
    const out = await crypto.subtle.decrypt({ name: "AES-GCM", iv: p.iv, additionalData: p.additionalData }, p.aes,
      p.sealed);
    if (out.byteLength !== p.plaintext.length) throw new Error("mismatch");
  },
};

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const op = ops[url.searchParams.get("op")];
    const n = Number(url.searchParams.get("n"));
    if (!op || !Number.isInteger(n) || n < 0 || n > 1_000_000) {
      return new Response("usage: /?op=jwt|seal|open&n=N", { status: 400 });
    }
    prepared ??= await prepare(env);
    for (let i = 0; i < n; i++) await op(prepared);
    return new Response(String(n));
  },
};
