// Vault key rotation, step 2 of 3 (see README): re-encrypts every stored EVE token under the
// primary key, a batch of characters per request, until none is left.
//
// usage: OPERATOR_TOKEN=... node rotate-key.mjs <base url> [--after <character id>]
// Idempotent (tokens already under the primary key are left alone) and resumable (--after, printed
// with every batch). Exits 1 if any character's tokens could not be resealed.
const [base, flag, start] = process.argv.slice(2);
const token = process.env.OPERATOR_TOKEN;
if (!base || !token || (flag && flag !== "--after")) {
  console.error("usage: OPERATOR_TOKEN=... rotate-key.mjs <base url> [--after <character id>]");
  process.exit(2);
}
let after = Number(start ?? 0);
let totals = { checked: 0, resealed: 0, failed: 0 };
for (;;) {
  const url = new URL("/api/ops/vault/reseal", base);
  url.searchParams.set("after", String(after));
  const response = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    console.error(`reseal after ${after} failed: ${response.status} ${body.message ?? ""}`);
    console.error(`resume with: --after ${after}`);
    process.exit(1);
  }
  totals.checked += body.checked;
  totals.resealed += body.resealed;
  totals.failed += body.failed.length;
  for (const f of body.failed) console.error(`character ${f.character_id}: ${f.error}`);
  console.log(`after ${after}: ${body.checked} checked, ${body.resealed} resealed, ${body.failed.length} failed`);
  if (body.next_after == null) break;
  after = body.next_after;
}
console.log(JSON.stringify(totals));
process.exit(totals.failed > 0 ? 1 : 0);
