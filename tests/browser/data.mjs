// Browser journeys of the character and corporation data pages (run by run.mjs, which passes its
// step/shot/audit helpers). The corporation journey drives the local ESI's control endpoints, so
// it needs env ESI_URL (the Rust harness passes it; under `just dev` it is in .local/esi-peer.json);
// without it that journey is skipped with a note.

import { check, go, PILOTS, until, waitReady } from "./lib.mjs";

export const ESI_URL = (process.env.ESI_URL ?? "").replace(/\/+$/, "");
const CORPORATION = "98000001";

async function esi(path, body) {
  const response = await fetch(`${ESI_URL}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  check(response.ok, `ESI ${path} answered ${response.status}`);
}

/** Clicks "Sync now" on a data page and waits for the report (a sync already running is fine too). */
async function syncNow(page, toast) {
  await page.getByRole("button", { name: "Sync now" }).click();
  await toast(page, /sync finished|already running/).waitFor({ timeout: 60_000 });
  await page.getByRole("button", { name: "Sync now" }).waitFor();
}

/** Closes the toasts so screenshots show the page under them. */
async function dismissToasts(page) {
  const buttons = page.getByTestId("toast").getByRole("button", { name: "Dismiss" });
  while ((await buttons.count()) > 0) await buttons.first().click();
}

const rowsOf = (page, testId) => page.getByTestId(testId).locator("tbody tr");

/**
 * @param ctx {step, shot, audit, toast, person, page, commander, commanderPage}: `person`/`page` are a
 * logged-in player (PILOTS.rookie), `commander`/`commanderPage` the group owner (PILOTS.commander).
 */
export async function dataJourneys({ step, shot, audit, toast, person, page, commander, commanderPage }) {
  const id = PILOTS.rookie.id;
  // A sync started while the one after login still runs answers 409 (shown as a notice).
  person.allow.push({ text: /status of 409/, url: /\/api\/characters\/\d+\/sync$/ });
  commander.allow.push({ text: /status of 409/, url: /\/api\/(characters|corporations)\/\d+\/sync$/ });

  await step("character data: overview with each dataset's status, wallet, skills, sync now", async () => {
    await go(page, "/");
    await page.getByRole("link", { name: `Wallet & assets: ${PILOTS.rookie.name}` }).click();
    await page.waitForURL(new RegExp(`/characters/${id}$`));
    await page.getByRole("heading", { level: 1, name: PILOTS.rookie.name }).waitFor();
    // Sync now shows its progress while the request runs (held here until the screenshot).
    let release;
    const held = new Promise((resolve) => (release = resolve));
    await page.route(`**/api/characters/${id}/sync`, async (route) => {
      if (route.request().method() === "POST") await held;
      await route.continue();
    });
    await page.getByRole("button", { name: "Sync now" }).click();
    await page.getByRole("status").filter({ hasText: "Syncing with EVE Online" }).waitFor();
    check((await page.getByRole("button", { name: "Syncing…" }).getAttribute("aria-busy")) === "true", "not busy");
    await shot(page, "30b-character-syncing", { fullPage: false });
    release();
    await toast(page, /sync finished|already running/).waitFor({ timeout: 60_000 });
    await page.unroute(`**/api/characters/${id}/sync`);
    // The wallet shows the exact balance, formatted without floating point.
    await until(async () => {
      const text = await page.getByTestId("wallet-balance").textContent().catch(() => null);
      if (text === "1,234,567.89 ISK") return true;
      await page.reload();
      await waitReady(page);
      return false;
    }, "the wallet balance is not 1,234,567.89 ISK", 30_000);
    const table = page.getByTestId("sync-table");
    for (const dataset of ["wallet", "wallet_journal", "assets", "transactions"]) {
      const row = table.locator(`tr[data-dataset="${dataset}"]`);
      await row.waitFor();
      const status = (await row.locator("td").first().textContent()).trim();
      check(/^(OK|Unchanged)$/.test(status), `${dataset} status is ${status}`);
      check(!/Never/.test(await row.textContent()), `${dataset} has no last sync`);
    }
    // Datasets the token has no scope for say so (the demo SSO grants wallet and assets only).
    const missing = await table.locator("tr").filter({ hasText: "Missing scope" }).count();
    if (missing > 0) await page.getByText("Some data cannot be read").waitFor();
    await audit(page, "character: overview");
    await dismissToasts(page);
    await shot(page, "30-character-overview");
    await shot(page, "30-character-overview-phone", { phone: true });
  });

  await step("character data: journal pages back with Older and filters by reference type", async () => {
    await go(page, `/characters/${id}/journal?limit=2`);
    const rows = rowsOf(page, "journal-table");
    await until(async () => (await rows.count()) === 2, "page 1 does not have 2 entries");
    await page.getByTestId("journal-table").getByText("-250,000.10 ISK").first().waitFor();
    await page.getByTestId("journal-table").getByText("1,500,000.55 ISK").first().waitFor();
    const first = await rows.first().getAttribute("data-id");
    const pager = page.getByRole("navigation", { name: "Journal pages" });
    await pager.getByRole("button", { name: "Older" }).click();
    await pager.getByText("Page 2").waitFor();
    await until(async () => (await rows.first().getAttribute("data-id")) !== first, "Older shows the same entries");
    await pager.getByRole("button", { name: "Older" }).click();
    await pager.getByText("Page 3").waitFor();
    await until(async () => (await rows.count()) === 1, "page 3 does not have the 5th entry");
    check(await pager.getByRole("button", { name: "Older" }).isDisabled(), "Older is enabled on the last page");
    await pager.getByRole("button", { name: "Newer" }).click();
    await pager.getByText("Page 2").waitFor();

    await page.getByLabel("Reference type").fill("Bounty Prizes!");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("A reference type is lower case with underscores").waitFor();
    await page.getByLabel("Reference type").fill("bounty_prizes");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/ref_type=bounty_prizes/);
    await pager.getByText("Page 1").waitFor();
    await until(async () => {
      const types = await rows.locator('td[data-label="Type"]').allTextContents();
      return types.length > 0 && types.every((t) => t.trim() === "Bounty prizes");
    }, "the filter shows other reference types");
    await audit(page, "character: journal");
    await shot(page, "31-character-journal");
    await page.getByLabel("Reference type").fill("player_donation");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("No matching journal entries").waitFor();
    // The server's message when the journal cannot be read, and a retry.
    person.allow.push({ text: /status of 503/, url: /\/wallet\/journal/ });
    await page.route("**/wallet/journal*", (route) =>
      route.fulfill({ status: 503, json: { error: "unavailable", message: "The character data service is unavailable." } }),
    );
    await go(page, `/characters/${id}/journal`);
    await page.getByText("The character data service is unavailable.").waitFor();
    await shot(page, "31b-character-journal-error", { fullPage: false });
    await page.unroute("**/wallet/journal*");
    await page.getByRole("button", { name: "Try again" }).click();
    await rows.first().waitFor();
  });

  await step("character data: transactions and orders with the buy/sell toggle", async () => {
    await go(page, `/characters/${id}/transactions`);
    const rows = rowsOf(page, "transactions-table");
    await until(async () => (await rows.count()) === 4, "there are not 4 transactions");
    // 100 x 4.75 ISK, exactly.
    await page.getByTestId("transactions-table").getByText("475.00 ISK").waitFor();
    await page.getByRole("group", { name: "Show transactions" }).getByRole("button", { name: "Buy" }).click();
    await page.waitForURL(/side=buy/);
    await until(async () => (await rows.count()) === 2, "the buy filter does not show 2 transactions");
    const sides = await rows.locator('td[data-label="Side"]').allTextContents();
    check(sides.every((s) => s.trim() === "Buy"), `sides: ${sides.join(", ")}`);
    await audit(page, "character: transactions");
    await shot(page, "32-character-transactions");
    await go(page, `/characters/${id}/orders`);
    // The orders scope may not be granted: then the empty state explains it.
    await page.getByTestId("orders-table").or(page.getByText("No open orders")).first().waitFor();
    await audit(page, "character: orders");
  });

  await step("character data: assets page by offset and filter by numeric ids", async () => {
    await go(page, `/characters/${id}/assets?limit=4`);
    const rows = rowsOf(page, "assets-table");
    const pager = page.getByRole("navigation", { name: "Asset pages" });
    await pager.getByText("Showing 1–4 of 10 · page 1 of 3").waitFor();
    check((await rows.count()) === 4, "page 1 does not have 4 assets");
    await pager.getByRole("button", { name: "Next" }).click();
    await pager.getByText("Showing 5–8 of 10 · page 2 of 3").waitFor();
    await page.getByLabel("Type id").fill("tritanium");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("A type id is a whole number").waitFor();
    check(!page.url().includes("type_id="), "an invalid filter was sent");
    await page.getByLabel("Type id").fill("34");
    await page.getByLabel("Location id").fill("60003760");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/type_id=34/);
    await pager.getByText("Showing 1–2 of 2 · page 1 of 1").waitFor();
    const types = await rows.locator('td[data-label="Item type"]').allTextContents();
    check(types.length === 2 && types.every((t) => t === "Type #34"), `types: ${types.join(", ")}`);
    await audit(page, "character: assets");
    await shot(page, "33-character-assets");
    await shot(page, "33-character-assets-phone", { phone: true });
  });

  if (!ESI_URL) {
    console.log("- corporation data: skipped (set ESI_URL to the local ESI's URL to run it)");
    return;
  }

  await step("corporation data: a director registers, syncs, and sees director health and members", async () => {
    const cp = commanderPage;
    await esi("/__roles", { character_id: Number(PILOTS.commander.id), roles: ["Director"] });
    await esi("/__config", {
      corporations: {
        [CORPORATION]: {
          members: [PILOTS.admin.id, PILOTS.rookie.id, PILOTS.rookieAlt.id, PILOTS.commander.id].map(Number),
        },
      },
    });
    // The hub learns the commander's corporation from the character's own sync.
    await go(cp, `/characters/${PILOTS.commander.id}`);
    await syncNow(cp, toast);

    commander.allow.push({ text: /status of 403/, url: /\/api\/corporations\// });
    await cp.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Corporations" }).click();
    await cp.getByLabel("Corporation id").fill("Jita traders");
    await cp.getByRole("button", { name: "Open" }).click();
    await cp.getByText("Enter the corporation's numeric EVE id").waitFor();
    await cp.getByLabel("Corporation id").fill(CORPORATION);
    await cp.getByRole("button", { name: "Open" }).click();
    await cp.waitForURL(new RegExp(`/corporations/${CORPORATION}$`));
    const register = cp.getByText("Register a director to see this corporation");
    const registered = cp.getByTestId(`director-${PILOTS.commander.id}`);
    await register.or(registered).first().waitFor();
    if (await registered.isVisible()) {
      // Registered by an earlier run against the same stack: removing it (with confirmation) ends
      // the commander's admin rights here.
      await registered.getByRole("button", { name: `Remove director: ${PILOTS.commander.name}` }).click();
      await cp
        .getByRole("dialog", { name: `Remove ${PILOTS.commander.name} as a director?` })
        .getByRole("button", { name: "Remove director" })
        .click();
      await toast(cp, `${PILOTS.commander.name} is no longer a director here`).waitFor();
    }
    await register.waitFor();
    await cp.getByLabel("Your character").selectOption({ label: PILOTS.commander.name });
    await cp.getByLabel("Priority (1 is tried first)").fill("0");
    await cp.getByRole("button", { name: "Register director" }).click();
    await cp.getByText("Use a whole number from 1 (tried first) to 100.").waitFor();
    await audit(cp, "corporation: not an admin");
    await dismissToasts(cp);
    await shot(cp, "34-corporation-register");
    await cp.getByLabel("Priority (1 is tried first)").fill("1");
    await cp.getByRole("button", { name: "Register director" }).click();
    await toast(cp, `${PILOTS.commander.name} is registered as a director`).waitFor();
    const director = cp.getByTestId(`director-${PILOTS.commander.id}`);
    await director.waitFor();

    await syncNow(cp, toast);
    await director.getByText("Healthy", { exact: true }).waitFor();
    await director.getByText(/last worked/).waitFor();
    const table = cp.getByTestId("sync-table");
    for (const dataset of ["members", "wallets", "assets"]) {
      const row = table.locator(`tr[data-dataset="${dataset}"]`);
      await row.waitFor();
      const status = (await row.locator("td").first().textContent()).trim();
      check(/^(OK|Unchanged)$/.test(status), `corporation ${dataset} status is ${status}`);
    }
    await audit(cp, "corporation: overview");
    await dismissToasts(cp);
    await shot(cp, "35-corporation-overview");

    await cp.getByRole("navigation", { name: "Corporation data" }).getByRole("link", { name: "Members" }).click();
    await cp.getByTestId("corp-members").getByText(`#${PILOTS.rookie.id}`).waitFor();
    await cp.getByRole("navigation", { name: "Member pages" }).getByText("Showing 1–4 of 4").waitFor();
    await audit(cp, "corporation: members");
    await shot(cp, "36-corporation-members");

    await cp.getByRole("navigation", { name: "Corporation data" }).getByRole("link", { name: "Wallets" }).click();
    const wallets = cp.getByTestId("corp-wallets");
    await wallets.getByText("1,000,000.50 ISK").waitFor();
    // 1 + 2 + ... + 7 = 28 divisions' worth of 1,000,000.50 ISK, summed exactly.
    await wallets.locator("tfoot").getByText("28,000,014.00 ISK").waitFor();
    await audit(cp, "corporation: wallets");
    await shot(cp, "37-corporation-wallets");

    await cp.getByRole("navigation", { name: "Corporation data" }).getByRole("link", { name: "Assets" }).click();
    await until(async () => (await rowsOf(cp, "corp-assets").count()) === 5, "the corporation has not 5 assets");
    await audit(cp, "corporation: assets");
  });

  await step("corporation data: an unhealthy director shows its failures and last error", async () => {
    // A healthy stack's director stays healthy: the answer is changed in the browser.
    const cp = commanderPage;
    await cp.route(`**/api/corporations/${CORPORATION}`, async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      for (const d of body.directors ?? []) {
        d.healthy = false;
        d.consecutive_failures = 3;
        d.last_error = "ESI 403: Character does not have required role(s)";
        d.last_failure_at_ms = Date.now() - 60_000;
      }
      await route.fulfill({ response, json: body });
    });
    await go(cp, `/corporations/${CORPORATION}`);
    const director = cp.getByTestId(`director-${PILOTS.commander.id}`);
    await director.getByText("Unhealthy", { exact: true }).waitFor();
    await director.getByText("3 failures in a row", { exact: false }).waitFor();
    await director.getByText(/required role/).waitFor();
    await audit(cp, "corporation: unhealthy director");
    await shot(cp, "38-corporation-unhealthy");
    await cp.unroute(`**/api/corporations/${CORPORATION}`);
  });
}

