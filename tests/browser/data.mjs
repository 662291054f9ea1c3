// Browser journeys of the character and corporation data pages (run by run.mjs, which passes its
// step/shot/audit helpers). The corporation journey drives the local ESI's control endpoints, so
// it needs env ESI_URL (the Rust harness passes it; under `just dev` it is in .local/esi-peer.json);
// without it that journey is skipped with a note.

import { check, go, pickPilot, PILOTS, until, waitReady } from "./lib.mjs";

export const ESI_URL = (process.env.ESI_URL ?? "").replace(/\/+$/, "");
const CORPORATION = "98000001";

/** Gives a character the Director role at the local ESI (before its login, which reads roles). */
export async function grantDirectorRole(characterId) {
  if (ESI_URL) await esi("/__roles", { character_id: Number(characterId), roles: ["Director"] });
}

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
 * @param ctx {step, shot, audit, toast, person, page, commander, commanderPage, adminPage}: `person`/`page`
 * are a logged-in player (PILOTS.rookie), `commander`/`commanderPage` the group owner
 * (PILOTS.commander), `adminPage` the site admin's page.
 */
export async function dataJourneys({ step, shot, audit, toast, person, page, commander, commanderPage, adminPage }) {
  const id = PILOTS.rookie.id;
  // A sync started while the one after login still runs answers 409 (shown as a notice).
  person.allow.push({ text: /status of 409/, url: /\/api\/characters\/\d+\/sync$/ });
  commander.allow.push({ text: /status of 409/, url: /\/api\/(characters|corporations)\/\d+\/sync$/ });

  await step("character data: the player grants data access from the dashboard", async () => {
    await go(page, "/");
    const row = page.getByTestId(`character-${id}`);
    await row.getByText("Grant data access to sync this character's").waitFor();
    const grant = row.getByRole("link", { name: `Grant data access: ${PILOTS.rookie.name}` });
    const href = await grant.getAttribute("href");
    check(href.startsWith(`/api/auth/character/${id}/grant?scopes=character_data`), `the grant link is ${href}`);
    await audit(page, "dashboard: grant data access");
    await shot(page, "29b-dashboard-grant-data");
    await grant.click();
    await pickPilot(page, PILOTS.rookie);
    await page.waitForURL(new RegExp(`/characters/${id}$`));
    await waitReady(page);
    await go(page, "/");
    await row.getByRole("link", { name: `Wallet & assets: ${PILOTS.rookie.name}` }).waitFor();
    check((await row.getByText("Grant data access to sync this character's").count()) === 0, "still asks for data access");
  });

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
    // Every dataset is allowed after the grant.
    const missing = await table.locator("tr").filter({ hasText: "Missing scope" }).count();
    check(missing === 0, `${missing} datasets miss a scope after the grant`);
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
    await until(
      async () => (await rows.locator('td[data-label="Item type"]').allTextContents()).every((t) => t === "Tritanium"),
      "the transactions' item types are not named",
    );
    await rows.first().locator('td[data-label="Location"]').getByText("Jita IV - Moon 4 - Caldari Navy Assembly Plant").waitFor();
    await audit(page, "character: transactions");
    await shot(page, "32-character-transactions");
    await go(page, `/characters/${id}/orders`);
    // The orders scope came with the grant.
    await page.getByTestId("orders-table").waitFor();
    await page.getByTestId("orders-table").getByText("Tritanium").first().waitFor();
    await page.getByTestId("orders-table").getByText("The Forge").first().waitFor();
    await audit(page, "character: orders");
  });

  await step("character data: assets by location with names, paged, searched by item name", async () => {
    await go(page, `/characters/${id}/assets?limit=4`);
    const rows = page.getByTestId("assets-table").locator("tbody tr[data-item]");
    const pager = page.getByRole("navigation", { name: "Asset pages" });
    await pager.getByText("Showing 1–4 of 10 · page 1 of 3").waitFor();
    check((await rows.count()) === 4, "page 1 does not have 4 assets");
    // The one location, named with its security, and its item count.
    const places = page.getByRole("navigation", { name: "Asset locations" });
    const jita = places.getByRole("link", { name: /Jita IV - Moon 4 - Caldari Navy Assembly Plant\s*0\.9\s*10/ });
    await jita.waitFor();
    const heading = page.getByTestId("assets-table").locator("tr.table__group").first();
    await until(async () => /Jita IV - Moon 4/.test(await heading.textContent()), "the location heading has no name");
    await until(async () => {
      const types = await rows.locator('td[data-label="Item type"]').allTextContents();
      return types.length === 4 && types.every((t) => /^(Tritanium|Pyerite|Mexallon|Isogen|Nocxium|Zydrine|Megacyte)$/.test(t));
    }, "the item types are not named");
    // The id stays a hover away.
    check(
      (await rows.first().locator('td[data-label="Item type"] .eve-name').getAttribute("title")) === "Type #34",
      "the type id is not in the title",
    );
    await pager.getByRole("button", { name: "Next" }).click();
    await pager.getByText("Showing 5–8 of 10 · page 2 of 3").waitFor();
    await page.getByLabel("Item name").fill("tritan");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/q=tritan/);
    await pager.getByText("Showing 1–2 of 2 · page 1 of 1").waitFor();
    const types = await rows.locator('td[data-label="Item type"]').allTextContents();
    check(types.length === 2 && types.every((t) => t === "Tritanium"), `types: ${types.join(", ")}`);
    await audit(page, "character: assets");
    await shot(page, "33-character-assets");
    await shot(page, "33-character-assets-phone", { phone: true });
    await page.getByLabel("Item name").fill("no such item");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByText("No matching assets").waitFor();
    await page.getByRole("button", { name: "Clear" }).click();
    await jita.click();
    await page.waitForURL(/location_id=60003760/);
    check((await jita.getAttribute("aria-current")) === "true", "the chosen location is not marked");
  });

  await step("character data: skills by group with names, the queue, and the wallet chart", async () => {
    await go(page, `/characters/${id}/skills`);
    const table = page.getByTestId("skills-table");
    await table.locator('tbody[data-group="Gunnery"]').waitFor();
    const gunnery = await table.locator('tbody[data-group="Gunnery"] td[data-label="Skill"]').allTextContents();
    check(gunnery.join(", ") === "Gunnery, Small Hybrid Turret", `gunnery: ${gunnery.join(", ")}`);
    await table.locator('tbody[data-group="Spaceship Command"] td[data-label="Skill"]').getByText("Spaceship Command").waitFor();
    await page.getByTestId("skill-queue").getByText("Spaceship Command IV").waitFor();
    await page.getByTestId("skill-queue").getByText("paused").waitFor();
    await audit(page, "character: skills");
    await shot(page, "34-character-skills");
    // The balance chart: a line with its numbers as a table.
    await go(page, `/characters/${id}`);
    const chart = page.getByTestId("balance-chart");
    await chart.locator("path.chart__line").waitFor();
    check(/wallet balance: \d+ days? from/.test(await chart.getByRole("img").getAttribute("aria-label")), "the chart has no summary");
    await chart.getByText("Show as a table").click();
    await chart.locator("tbody tr").first().waitFor();
    await audit(page, "character: wallet chart");
  });

  if (!ESI_URL) {
    console.log("- corporation data: skipped (set ESI_URL to the local ESI's URL to run it)");
    return;
  }

  await step("corporations: a Director's login registers the corporation; a member sees it, not its data", async () => {
    const cp = commanderPage;
    // The commander held Director when he logged in (run.mjs): that login read it.
    await esi("/__config", {
      corporations: {
        [CORPORATION]: {
          members: [PILOTS.admin.id, PILOTS.rookie.id, PILOTS.rookieAlt.id, PILOTS.commander.id].map(Number),
        },
      },
    });
    await go(cp, "/");
    await cp.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Corporations" }).click();
    const mine = cp.getByTestId("my-corporations").getByTestId(`corporation-${CORPORATION}`);
    await mine.getByText("Demo Corporation [DEMO]").waitFor();
    await mine.getByText("You administer it").waitFor();
    await mine.getByText("Managed").waitFor();
    await audit(cp, "corporations");
    await shot(cp, "34-corporations");

    // The player is a member without a role: the corporation is listed by name, its data is not his.
    person.allow.push({ text: /status of 403/, url: /\/api\/corporations\// });
    await go(page, "/corporations");
    const listed = page.getByTestId("my-corporations").getByTestId(`corporation-${CORPORATION}`);
    await listed.getByText("Demo Corporation [DEMO]").waitFor();
    check((await listed.getByRole("link", { name: "Open" }).count()) === 0, "the player may open the corporation");
    await go(page, `/corporations/${CORPORATION}`);
    await page.getByText("Only its admins see this corporation").waitFor();
    await audit(page, "corporation: not an admin");
    await shot(page, "34b-corporation-not-admin");
  });

  await step("corporation data: a director registers through the grant step, syncs, and sees health and members", async () => {
    const cp = commanderPage;
    await go(cp, "/corporations");
    await cp.getByTestId(`corporation-${CORPORATION}`).getByRole("link", { name: "Open" }).click();
    await cp.waitForURL(new RegExp(`/corporations/${CORPORATION}$`));
    await cp.getByRole("heading", { level: 1, name: "Demo Corporation [DEMO]" }).waitFor();
    const registered = cp.getByTestId(`director-${PILOTS.commander.id}`);
    await cp.getByRole("heading", { name: "Register a director" }).waitFor();
    if (await registered.isVisible()) {
      // Registered by an earlier run against the same stack.
      await registered.getByRole("button", { name: `Remove director: ${PILOTS.commander.name}` }).click();
      await cp
        .getByRole("dialog", { name: `Remove ${PILOTS.commander.name} as a director?` })
        .getByRole("button", { name: "Remove director" })
        .click();
      await toast(cp, `${PILOTS.commander.name} is no longer a director here`).waitFor();
    }
    await cp.getByLabel("Your character").selectOption({ label: PILOTS.commander.name });
    await cp.getByLabel("Priority (1 is tried first)").fill("0");
    await cp.getByRole("button", { name: "Register director" }).click();
    await cp.getByText("Use a whole number from 1 (tried first) to 100.").waitFor();
    await cp.getByLabel("Priority (1 is tried first)").fill("1");
    // Its login lacks the corporation scopes: the grant step first, then the registration continues.
    commander.allow.push({ text: /status of 409/, url: /\/api\/corporations\/\d+\/directors$/ });
    await cp.getByRole("button", { name: "Register director" }).click();
    await cp.getByText("Grant the corporation scopes first").waitFor();
    await audit(cp, "corporation: grant corporation access");
    await dismissToasts(cp);
    await shot(cp, "34c-corporation-grant");
    await cp.getByRole("link", { name: "Grant corporation access" }).click();
    await pickPilot(cp, PILOTS.commander);
    await toast(cp, `${PILOTS.commander.name} is registered as a director`).waitFor({ timeout: 30_000 });
    const director = cp.getByTestId(`director-${PILOTS.commander.id}`);
    await director.waitFor();
    check(!cp.url().includes("register="), "the URL keeps the registration");

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
    const members = cp.getByTestId("corp-members");
    await members.locator("tr").filter({ hasText: PILOTS.rookie.name }).getByText("Yes").waitFor();
    await cp.getByRole("navigation", { name: "Member pages" }).getByText("Showing 1–4 of 4").waitFor();
    await audit(cp, "corporation: members");
    await shot(cp, "36-corporation-members");

    await cp.getByRole("navigation", { name: "Corporation data" }).getByRole("link", { name: "Wallets" }).click();
    const wallets = cp.getByTestId("corp-wallets");
    await wallets.getByText("1,000,000.50 ISK").waitFor();
    // 1 + 2 + ... + 7 = 28 divisions' worth of 1,000,000.50 ISK, summed exactly.
    await wallets.locator("tfoot").getByText("28,000,014.00 ISK").waitFor();
    // The divisions with journal entries are drawn over time.
    await cp.getByRole("region", { name: "Division 1" }).getByTestId("balance-chart").locator("path.chart__line").waitFor();
    await audit(cp, "corporation: wallets");
    await shot(cp, "37-corporation-wallets");

    await cp.getByRole("navigation", { name: "Corporation data" }).getByRole("link", { name: "Assets" }).click();
    await until(async () => (await rowsOf(cp, "corp-assets").count()) === 5, "the corporation has not 5 assets");
    // Named types; a player structure stays an id, with why in its title.
    await rowsOf(cp, "corp-assets").first().locator('td[data-label="Item type"]').getByText("Pyerite").waitFor();
    const structure = rowsOf(cp, "corp-assets").first().locator('td[data-label="Location"] .eve-name');
    await until(async () => (await structure.textContent()) === "Structure #1035000000000", "the structure is not marked");
    check(/docking access/.test(await structure.getAttribute("title")), "no reason the structure has no name");
    await audit(cp, "corporation: assets");
  });

  await step("corporation profile: the Director opens recruiting, a site admin makes it a member corporation", async () => {
    const cp = commanderPage;
    await go(cp, `/corporations/${CORPORATION}`);
    await cp.getByLabel("Recruiting").check();
    await cp.getByLabel("Short description (optional)").fill("Mining and logistics in Heimatar.");
    await cp.getByRole("button", { name: "Save profile" }).click();
    await toast(cp, "The corporation's profile is saved").waitFor();
    check((await cp.getByText("Site admin settings").count()) === 0, "a Director sees the site admin's settings");

    await go(adminPage, `/corporations/${CORPORATION}`);
    await adminPage.getByText("Site admin settings").waitFor();
    await adminPage.getByLabel("Member corporation").check();
    await adminPage.getByRole("button", { name: "Save profile" }).click();
    await toast(adminPage, "The corporation's profile is saved").waitFor();
    await audit(adminPage, "corporation: profile (site admin)");
    // Site admins register corporations on the listing page.
    await go(adminPage, "/corporations");
    await adminPage.getByLabel(/EVE id/).fill("98000777");
    await adminPage.getByRole("button", { name: "Register corporation" }).click();
    await toast(adminPage, /Corporation 98000777.*is registered/).waitFor();
    await shot(adminPage, "34d-corporations-admin");

    // Players browse the recruiting member corporations.
    await go(page, "/corporations");
    const recruiting = page.getByTestId("recruiting-corporations");
    await recruiting.getByText("Demo Corporation [DEMO]").waitFor();
    await recruiting.getByText("Mining and logistics in Heimatar.").waitFor();
    await audit(page, "corporations: recruiting");
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

