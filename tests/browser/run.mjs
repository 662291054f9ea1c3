// Browser tests of the web app against a running stack (`just dev`, or the Rust harness's fresh
// one): Chromium (Debian's, through playwright-core) plays three pilots through the demo EVE SSO.
//
//   scripts/node22 tests/browser/run.mjs      env BASE_URL (http://127.0.0.1:8787), CHROMIUM (/usr/bin/chromium),
//                                             ESI_URL (the local ESI: corporation tests; skipped when unset)
//
// Journeys: the main one (log in, link an alt, ask to join an approval group, the group's owner
// approves, the player sees it live, leaves), invite codes, sessions (ending another one), the
// site admin's pages and audit log, unlinking, and the character and corporation data pages
// (tests/browser/data.mjs; the corporation part needs env ESI_URL). Every main page gets an
// axe-core check (critical violations fail) and a screenshot in tests/browser/screenshots/. Prints the initial route's JS
// size (gzip, budget 200 KB) and time to interactive; exits 1 on any failure, including console
// errors and CSP violations the test did not expect.

import { gzipSync } from "node:zlib";
import {
  axe,
  BASE_URL,
  check,
  CHROMIUM,
  DESKTOP,
  go,
  launch,
  logIn,
  newPage,
  newPerson,
  PHONE,
  pickPilot,
  PILOTS,
  screenshot,
  SCREENSHOTS,
  until,
  waitReady,
} from "./lib.mjs";
import { dataJourneys, grantDirectorRole } from "./data.mjs";
import { discordJourneys } from "./discord.mjs";

const RUN = Date.now().toString(36).slice(-5);
const names = {
  category: `Fleet Operations ${RUN}`,
  approvalGroup: `Logistics Wing ${RUN}`,
  inviteGroup: `Black Ops ${RUN}`,
};
const BUNDLE_BUDGET_KB = 200;

const results = [];
const a11y = [];
const shots = [];
const timings = {};

async function step(name, fn) {
  const started = Date.now();
  process.stdout.write(`- ${name} ... `);
  try {
    await fn();
    const ms = Date.now() - started;
    results.push({ name, ok: true, ms });
    console.log(`ok (${(ms / 1000).toFixed(1)} s)`);
    return true;
  } catch (error) {
    const ms = Date.now() - started;
    results.push({ name, ok: false, ms, error });
    console.log(
      `FAILED (${(ms / 1000).toFixed(1)} s)\n    ${String(error?.message ?? error)
        .split("\n")
        .join("\n    ")}`,
    );
    return false;
  }
}

async function shot(page, name, { phone = false, fullPage = true } = {}) {
  if (phone) {
    await page.setViewportSize(PHONE);
    await page.waitForTimeout(200);
  }
  shots.push(await screenshot(page, name, { fullPage }));
  if (phone) await page.setViewportSize(DESKTOP);
}

async function audit(page, name) {
  a11y.push(await axe(page, name));
}

function toast(page, text) {
  return page.getByTestId("toast").filter({ hasText: text });
}

/** Bytes and gzip size of the JS the first page loads (entry script and its module preloads). */
async function bundleSize() {
  const html = await (await fetch(`${BASE_URL}/`)).text();
  const urls = new Set();
  for (const m of html.matchAll(/<script[^>]+src="([^"]+\.js)"/g)) urls.add(m[1]);
  for (const m of html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)) urls.add(m[1]);
  let raw = 0;
  let gzip = 0;
  for (const url of urls) {
    const body = Buffer.from(await (await fetch(new URL(url, BASE_URL))).arrayBuffer());
    raw += body.length;
    gzip += gzipSync(body, { level: 9 }).length;
  }
  return { files: [...urls], raw, gzip };
}

/** Navigation start to the app's `hub:interactive` mark, on a fresh page load. */
async function timeToInteractive(page, path) {
  await page.goto(`${BASE_URL}${path}`, { waitUntil: "domcontentloaded" });
  await waitReady(page);
  return page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const mark = performance.getEntriesByName("hub:interactive")[0];
    return {
      interactive: Math.round(mark.startTime),
      domContentLoaded: Math.round(nav.domContentLoadedEventEnd),
    };
  });
}

/** Waits until the stack serves the app (a just rebuilt web/dist takes wrangler a moment). */
async function waitForApp(timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const html = await (await fetch(`${BASE_URL}/`)).text();
      const script = /<script[^>]+src="([^"]+\.js)"/.exec(html)?.[1];
      if (script && (await fetch(new URL(script, BASE_URL))).ok) return;
      last = "index.html has no loadable script";
    } catch (e) {
      last = String(e?.cause?.code ?? e);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  console.error(`The app is not served at ${BASE_URL}: ${last}`);
  process.exit(1);
}

await waitForApp();
const browser = await launch();
console.log(`Browser tests against ${BASE_URL} with ${CHROMIUM} (${browser.version()}), run ${RUN}`);

const admin = await newPerson(browser, "site admin");
const commander = await newPerson(browser, "group owner");
const rookie = await newPerson(browser, "player");
const people = [admin, commander, rookie];
let adminPage;
let commanderPage;
let rookiePage;
let approvalGroupId;
let inviteGroupId;

try {
  await step("bundle: the initial route's JS is under budget", async () => {
    const size = await bundleSize();
    timings.bundle = size;
    check(size.files.length > 0, "index.html references no script");
    check(size.gzip < BUNDLE_BUDGET_KB * 1024, `initial JS is ${(size.gzip / 1024).toFixed(1)} KB gzip`);
  });

  await step("login page: renders, accessible, phone and desktop", async () => {
    const visitor = await newPerson(browser, "visitor");
    people.push(visitor);
    const page = await newPage(visitor);
    timings.loginCold = await timeToInteractive(page, "/");
    await page.getByRole("link", { name: "Log in with EVE Online" }).waitFor();
    await audit(page, "login");
    await shot(page, "01-login");
    await shot(page, "01-login-phone", { phone: true });
    // A deep link survives the login: the button returns to it.
    await go(page, "/groups/mine");
    const href = await page.getByRole("link", { name: "Log in with EVE Online" }).getAttribute("href");
    check(href === "/api/auth/login/start?return_to=%2Fgroups%2Fmine", `login link is ${href}`);
  });

  await step("setup: the site admin creates a category", async () => {
    adminPage = await logIn(admin, PILOTS.admin);
    const adminLink = adminPage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" });
    check(
      (await adminLink.count()) === 1,
      `${PILOTS.admin.name} (${PILOTS.admin.id}) is not a site admin here: the stack needs SITE_ADMIN_CHARACTER_IDS=${PILOTS.admin.id}`,
    );
    await adminLink.click();
    await adminPage.getByRole("link", { name: "Categories" }).click();
    await waitReady(adminPage);
    await adminPage.getByRole("button", { name: "New category" }).click();
    const dialog = adminPage.getByRole("dialog", { name: "Create a category" });
    // The form checks before it submits.
    await dialog.getByRole("button", { name: "Create category" }).click();
    await dialog.getByText("Give the category a name.").waitFor();
    await dialog.getByLabel("Name").fill(names.category);
    await dialog.getByLabel("Description (optional)").fill("Fleets, logistics and special operations.");
    await dialog.getByText("Any pilot", { exact: true }).click();
    await dialog.getByRole("button", { name: "Create category" }).click();
    await toast(adminPage, `Category ${names.category} saved`).waitFor();
    await adminPage.getByRole("listitem").filter({ hasText: names.category }).waitFor();
    await audit(adminPage, "admin: categories");
    await shot(adminPage, "18-admin-categories");
  });

  await step("setup: the group owner creates an approval group and an invitation-only group", async () => {
    // The group owner also directs the demo corporation: his login reads that role (data.mjs).
    await grantDirectorRole(PILOTS.commander.id);
    commanderPage = await logIn(commander, PILOTS.commander);
    const create = async (name, mode, description) => {
      await go(commanderPage, "/groups");
      await commanderPage.getByRole("button", { name: "New group" }).click();
      const dialog = commanderPage.getByRole("dialog", { name: "Create a group" });
      await dialog.getByLabel("Category").selectOption({ label: names.category });
      await dialog.getByLabel("Name").fill(name);
      await dialog.getByLabel("Description (optional)").fill(description);
      await dialog.getByText(mode, { exact: true }).click();
      await dialog.getByRole("button", { name: "Create group" }).click();
      await commanderPage.waitForURL(/\/groups\/[0-9a-f-]{36}$/);
      await commanderPage.getByRole("heading", { level: 1, name }).waitFor();
      return commanderPage.url().split("/").pop();
    };
    approvalGroupId = await create(
      names.approvalGroup,
      "Approval",
      "Logistics pilots keeping the fleet alive. Ask to join and say which hulls you fly.",
    );
    inviteGroupId = await create(names.inviteGroup, "Invitation only", "By invitation only.");
    // The duplicate name comes back as the server's message inside the form.
    commander.allow.push({ text: /status of 409/, url: /\/api\/groups$/ });
    await commanderPage.goto(`${BASE_URL}/groups`);
    await waitReady(commanderPage);
    await commanderPage.getByRole("button", { name: "New group" }).click();
    const dialog = commanderPage.getByRole("dialog", { name: "Create a group" });
    await dialog.getByLabel("Category").selectOption({ label: names.category });
    await dialog.getByLabel("Name").fill(names.approvalGroup);
    await dialog.getByRole("button", { name: "Create group" }).click();
    await dialog.getByText("a group with this name exists in the category").waitFor();
    await shot(commanderPage, "19-create-group-error");
    await dialog.getByRole("button", { name: "Cancel" }).click();
  });

  // ---- the main journey ----

  const mainOk = await step("main 1: the player logs in with the demo EVE SSO", async () => {
    rookiePage = await logIn(rookie, PILOTS.rookie);
    await rookiePage.getByTestId(`character-${PILOTS.rookie.id}`).waitFor();
  });

  if (mainOk) {
    await step("main 2: the player links an alt", async () => {
      await rookiePage.getByRole("link", { name: "Add a character" }).click();
      await pickPilot(rookiePage, PILOTS.rookieAlt);
      await waitReady(rookiePage);
      const alt = rookiePage.getByTestId(`character-${PILOTS.rookieAlt.id}`);
      await alt.waitFor();
      await alt.getByText("Token valid").waitFor();
      await rookiePage.getByTestId(`character-${PILOTS.rookie.id}`).getByText("Primary").waitFor();
      await audit(rookiePage, "dashboard");
      await shot(rookiePage, "02-dashboard");
      await shot(rookiePage, "02-dashboard-phone", { phone: true });
      timings.dashboardCold = await (async () => {
        // A cold load in a new context with the same session: nothing cached.
        const cold = await browser.newContext({ viewport: DESKTOP });
        await cold.addCookies(await rookie.context.cookies());
        await cold.route("https://images.evetech.net/**", (r) => r.fulfill({ status: 204 }));
        const page = await cold.newPage();
        const first = await timeToInteractive(page, "/");
        const warm = await timeToInteractive(page, "/");
        await cold.close();
        return { ...first, warm: warm.interactive };
      })();
    });

    await step("main 3: the player browses groups and asks to join the approval group", async () => {
      await rookiePage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Groups" }).click();
      await waitReady(rookiePage);
      await rookiePage.getByRole("searchbox", { name: "Search groups" }).fill(names.approvalGroup);
      await rookiePage.waitForURL(/[?&]q=/);
      const card = rookiePage.getByTestId("group-card").filter({ hasText: names.approvalGroup });
      await card.waitFor();
      await until(async () => (await rookiePage.getByTestId("group-card").count()) === 1, "the search shows one group");
      await rookiePage.getByRole("searchbox", { name: "Search groups" }).fill("");
      await rookiePage.waitForURL((url) => !url.search.includes("q="));
      const option = rookiePage.locator("#category-filter option", { hasText: names.category });
      await rookiePage.getByLabel("Category").selectOption(await option.getAttribute("value"));
      await card.waitFor();
      await audit(rookiePage, "groups: browse");
      await shot(rookiePage, "03-groups-browse");
      await shot(rookiePage, "03-groups-browse-phone", { phone: true });
      await card.getByRole("button", { name: `Request to join ${names.approvalGroup}` }).click();
      const dialog = rookiePage.getByRole("dialog", { name: `Request to join ${names.approvalGroup}` });
      await dialog.getByLabel("Message to the admins (optional)").fill("Guardian and Basilisk pilot, EU timezone.");
      await audit(rookiePage, "groups: request dialog");
      await shot(rookiePage, "04-request-dialog");
      await dialog.getByRole("button", { name: "Send request" }).click();
      await toast(rookiePage, "Request sent").waitFor();
      await card.getByText("Request pending").waitFor();
    });

    await step("main 4: the group's owner gets it live and approves it", async () => {
      // The owner's open page hears about the request without a reload.
      const heard = toast(commanderPage, `${PILOTS.rookie.name} asks to join ${names.approvalGroup}`);
      await heard.waitFor({ timeout: 15_000 });
      await heard.getByRole("link", { name: "View" }).click();
      await commanderPage.waitForURL(new RegExp(`/groups/${approvalGroupId}/manage/requests$`));
      const request = commanderPage.getByTestId("join-request").filter({ hasText: PILOTS.rookie.name });
      await request.getByText("Guardian and Basilisk pilot").waitFor();
      await audit(commanderPage, "group admin: requests");
      await shot(commanderPage, "05-manage-requests");
      await request.getByRole("button", { name: `Approve ${PILOTS.rookie.name}` }).click();
      await toast(commanderPage, `${PILOTS.rookie.name} joined ${names.approvalGroup}`).waitFor();
      await commanderPage.getByText("No pending requests").waitFor();
    });

    await step("main 5: the player's page shows the approval live, without a reload", async () => {
      const marker = await rookiePage.evaluate(() => (window.__noReload = Math.random()));
      const live = toast(rookiePage, `You joined ${names.approvalGroup}: your request was approved`);
      await live.waitFor({ timeout: 15_000 });
      await rookiePage.getByTestId("bell-count").waitFor();
      const card = rookiePage.getByTestId("group-card").filter({ hasText: names.approvalGroup });
      await card.getByText("Member", { exact: true }).waitFor();
      check((await rookiePage.evaluate(() => window.__noReload)) === marker, "the page was reloaded");
      await shot(rookiePage, "06-live-notification");
      await rookiePage.getByTestId("bell").click();
      const panel = rookiePage.locator("#bell-panel");
      await panel.getByText(`You joined ${names.approvalGroup}`).waitFor();
      await audit(rookiePage, "notifications: bell");
      await shot(rookiePage, "07-bell-panel");
      await rookiePage.keyboard.press("Escape");
    });

    await step("main 6: the player leaves the group (with confirmation)", async () => {
      const card = rookiePage.getByTestId("group-card").filter({ hasText: names.approvalGroup });
      await card.getByRole("link", { name: names.approvalGroup }).click();
      await rookiePage.getByRole("heading", { level: 1, name: names.approvalGroup }).waitFor();
      await rookiePage.getByText(PILOTS.commander.name, { exact: true }).first().waitFor();
      await audit(rookiePage, "group page");
      await shot(rookiePage, "08-group-page");
      await rookiePage.getByRole("button", { name: `Leave ${names.approvalGroup}` }).click();
      const confirm = rookiePage.getByRole("dialog", { name: `Leave ${names.approvalGroup}?` });
      await confirm.waitFor();
      await shot(rookiePage, "09-leave-confirm");
      // Cancel keeps the membership; confirming leaves.
      await confirm.getByRole("button", { name: "Cancel" }).click();
      await rookiePage.getByRole("button", { name: `Leave ${names.approvalGroup}` }).click();
      await confirm.getByRole("button", { name: "Leave group" }).click();
      await toast(rookiePage, `You left ${names.approvalGroup}`).waitFor();
      await rookiePage.getByRole("button", { name: `Request to join ${names.approvalGroup}` }).waitFor();
    });

    await step("notifications page: lists them, marks all read", async () => {
      await go(rookiePage, "/notifications");
      await rookiePage
        .getByRole("link", { name: `You joined ${names.approvalGroup}: your request was approved` })
        .waitFor();
      await audit(rookiePage, "notifications");
      await shot(rookiePage, "17-notifications");
      await rookiePage.getByRole("button", { name: "Mark all read" }).click();
      await rookiePage.getByText("You are all caught up.").waitFor();
      check((await rookiePage.getByTestId("bell-count").count()) === 0, "the bell still counts unread");
    });

    await step("invitations: the owner invites the player, who accepts under Invitations", async () => {
      await go(commanderPage, `/groups/${approvalGroupId}/manage/invitations`);
      await commanderPage.getByLabel("Character id").fill("Rookie");
      await commanderPage.getByRole("button", { name: "Send invitation" }).click();
      await commanderPage.getByText("Enter the character's numeric EVE id").waitFor();
      await commanderPage.getByLabel("Character id").fill(PILOTS.rookie.id);
      await commanderPage.getByRole("button", { name: "Send invitation" }).click();
      await toast(commanderPage, `${PILOTS.rookie.name} was invited`).waitFor();
      await toast(rookiePage, `You are invited to join ${names.approvalGroup}`).waitFor({ timeout: 15_000 });
      await go(rookiePage, "/groups/invitations");
      const row = rookiePage.getByRole("listitem").filter({ hasText: names.approvalGroup });
      await row.getByText(`invited by ${PILOTS.commander.name}`).waitFor();
      await audit(rookiePage, "groups: invitations");
      await shot(rookiePage, "27-invitations");
      await row.getByRole("button", { name: `Accept invitation to ${names.approvalGroup}` }).click();
      await toast(rookiePage, `You joined ${names.approvalGroup}`).waitFor();
      await row.waitFor({ state: "detached" });
    });

    await step("group admins: the owner makes the player an admin, then takes it back", async () => {
      await go(commanderPage, `/groups/${approvalGroupId}/manage/admins`);
      await commanderPage.getByLabel("Member").selectOption({ label: PILOTS.rookie.name });
      await commanderPage.getByRole("button", { name: "Make admin", exact: true }).click();
      await toast(commanderPage, `${PILOTS.rookie.name} is now an admin`).waitFor();
      await toast(rookiePage, `You are now an admin of ${names.approvalGroup}`).waitFor({ timeout: 15_000 });
      await audit(commanderPage, "group admin: admins");
      await shot(commanderPage, "28-manage-admins");
      await shot(commanderPage, "28-manage-admins-phone", { phone: true });
      await commanderPage.getByRole("button", { name: `Remove admin: ${PILOTS.rookie.name}` }).click();
      await commanderPage
        .getByRole("dialog", { name: `Remove ${PILOTS.rookie.name} as admin?` })
        .getByRole("button", { name: "Remove admin" })
        .click();
      await toast(commanderPage, `${PILOTS.rookie.name} is no longer an admin`).waitFor();
    });

    await step("dashboard: re-authorize a character, then check its token", async () => {
      await go(rookiePage, "/");
      const alt = rookiePage.getByTestId(`character-${PILOTS.rookieAlt.id}`);
      const reauth = alt.getByRole("link", { name: `Re-authorize: ${PILOTS.rookieAlt.name}` });
      check(
        (await reauth.getAttribute("href")) === "/api/auth/character/start?return_to=%2F",
        "re-authorize goes through the character flow",
      );
      await reauth.click();
      await pickPilot(rookiePage, PILOTS.rookieAlt);
      await waitReady(rookiePage);
      await alt.getByText("Token valid").waitFor();
      await alt.getByRole("button", { name: `Check token: ${PILOTS.rookieAlt.name}` }).click();
      await toast(rookiePage, `${PILOTS.rookieAlt.name}'s token works`).waitFor();
    });

    await step("invite code: the owner creates one, the player redeems it at /invite#code", async () => {
      await go(commanderPage, `/groups/${inviteGroupId}/manage/codes`);
      await commanderPage.getByLabel("Maximum uses (optional)").fill("0");
      await commanderPage.getByRole("button", { name: "Create code" }).click();
      await commanderPage.getByText("Use a whole number from 1 to 100000").waitFor();
      await commanderPage.getByLabel("Maximum uses (optional)").fill("5");
      await commanderPage.getByRole("button", { name: "Create code" }).click();
      const code = (await commanderPage.getByTestId("new-code-value").textContent()).trim();
      check(/^[A-Za-z0-9_-]{16,}$/.test(code), `unexpected code ${code}`);
      // The link carries the code in its fragment, which browsers never send to a server.
      const link = await commanderPage.getByLabel("Invite link").inputValue();
      check(link === `${BASE_URL}/invite#${code}`, `the invite link is ${link}`);
      await audit(commanderPage, "group admin: invite codes");
      await shot(commanderPage, "11-manage-codes");

      await go(rookiePage, `/invite#${code}`);
      check((await rookiePage.getByTestId("invite-code").textContent()) === code, "the page shows the code");
      await audit(rookiePage, "invite code");
      await shot(rookiePage, "10-invite-code");
      await rookiePage.getByRole("button", { name: "Join", exact: true }).click();
      await rookiePage.getByRole("heading", { name: `Welcome to ${names.inviteGroup}` }).waitFor();
      await shot(rookiePage, "10b-invite-joined");
      await rookiePage.getByRole("link", { name: `Open ${names.inviteGroup}` }).click();
      await rookiePage.getByRole("heading", { level: 1, name: names.inviteGroup }).waitFor();
      await rookiePage.getByText("Member", { exact: true }).first().waitFor();
      // A second redemption shows the server's reason.
      rookie.allow.push({ text: /status of 409/, url: /\/api\/invite$/ });
      await go(rookiePage, `/invite#${code}`);
      await rookiePage.getByRole("button", { name: "Join", exact: true }).click();
      await rookiePage.getByText("The code could not be redeemed").waitFor();
      await rookiePage.getByText(/already (a member|redeemed)/).waitFor();
    });

    await step("sessions: the player ends another session of theirs", async () => {
      const tag = `HubBrowserTest-Second/${RUN}`;
      const second = await newPerson(browser, "player (second device)", { userAgentTag: tag });
      people.push(second);
      const secondPage = await logIn(second, PILOTS.rookie);
      await go(rookiePage, "/sessions");
      const row = rookiePage.getByTestId("session").filter({ hasText: tag });
      await row.waitFor();
      await rookiePage.getByTestId("session").filter({ hasText: "This device" }).waitFor();
      await audit(rookiePage, "sessions");
      await shot(rookiePage, "12-sessions");
      await shot(rookiePage, "12-sessions-phone", { phone: true });
      await row.getByRole("button", { name: /^End session/ }).click();
      const confirm = rookiePage.getByRole("dialog", { name: "End this session?" });
      await confirm.getByRole("button", { name: "End session" }).click();
      await toast(rookiePage, "Session ended").waitFor();
      await row.waitFor({ state: "detached" });
      // The other device finds out at its next request and shows the login page.
      second.allow.push({ text: /status of 401/ }, { text: /WebSocket connection .* failed/ });
      await secondPage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Groups" }).click();
      await secondPage.getByText("You have been logged out").waitFor();
      await secondPage.getByRole("link", { name: "Log in with EVE Online" }).waitFor();
      await shot(secondPage, "13-session-ended");
    });

    await step("states: token problems, loading, error and empty states", async () => {
      // The server's answers are changed in the browser to show states a healthy stack never has.
      const page = await newPage(rookie);
      await page.route("**/api/users/me", async (route) => {
        const response = await route.fetch();
        const me = await response.json();
        for (const c of me.user.characters) {
          if (c.id === Number(PILOTS.rookie.id)) {
            c.token = {
              status: "invalid",
              scopes: c.scopes,
              reason: "EVE SSO refused the refresh token (invalid_grant)",
              since_ms: Date.now() - 3 * 3600_000,
            };
          } else {
            c.token = { status: "retrying", scopes: c.scopes, next_retry_at_ms: Date.now() + 240_000, failures: 2 };
          }
        }
        await route.fulfill({ response, json: me });
      });
      await go(page, "/");
      await page.getByText("Token invalid").waitFor();
      await page.getByText("Refresh retrying").waitFor();
      await page.getByRole("link", { name: `Re-authorize: ${PILOTS.rookie.name}` }).waitFor();
      await audit(page, "dashboard: token problems");
      await shot(page, "23-token-states");
      await page.unroute("**/api/users/me");

      rookie.allow.push({ text: /status of 503/, url: /\/api\/groups\/categories/ });
      await page.route("**/api/groups/categories*", (route) =>
        route.fulfill({
          status: 503,
          json: { error: "unavailable", message: "The groups service is unavailable right now." },
        }),
      );
      await go(page, "/groups");
      await page.getByText("The groups service is unavailable right now.").waitFor();
      await audit(page, "groups: error state");
      await shot(page, "24-error-state");
      await page.unroute("**/api/groups/categories*");
      await page.getByRole("button", { name: "Try again" }).click();
      await page.getByTestId("group-card").first().waitFor();

      let release;
      const held = new Promise((resolve) => (release = resolve));
      await page.route("**/api/auth/sessions", async (route) => {
        await held;
        await route.continue();
      });
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sessions" }).click();
      await page.getByRole("status").filter({ hasText: "Loading sessions" }).waitFor();
      await shot(page, "25-loading-state");
      release();
      await page.getByTestId("session").first().waitFor();
      await page.unroute("**/api/auth/sessions");

      await go(page, "/notifications");
      const markAll = page.getByRole("button", { name: "Mark all read" });
      if (await markAll.isEnabled()) await markAll.click();
      await page.getByText("You are all caught up.").waitFor();
      await page.getByRole("link", { name: /^Unread/ }).click();
      await page.getByText("Nothing unread").waitFor();
      await audit(page, "notifications: empty state");
      await shot(page, "26-empty-state");
      await page.close();
    });

    await step("dashboard: the player unlinks the alt (with confirmation)", async () => {
      await go(rookiePage, "/");
      const alt = rookiePage.getByTestId(`character-${PILOTS.rookieAlt.id}`);
      await alt.getByRole("button", { name: `Unlink: ${PILOTS.rookieAlt.name}` }).click();
      const confirm = rookiePage.getByRole("dialog", { name: `Unlink ${PILOTS.rookieAlt.name}?` });
      await audit(rookiePage, "dashboard: unlink confirmation");
      await shot(rookiePage, "14-unlink-confirm");
      await confirm.getByRole("button", { name: "Unlink character" }).click();
      await toast(rookiePage, `${PILOTS.rookieAlt.name} was unlinked`).waitFor();
      await alt.waitFor({ state: "detached" });
    });
  }

  await step("site admin: users, a user's sessions, the audit log", async () => {
    adminPage ??= await logIn(admin, PILOTS.admin);
    await go(adminPage, "/admin/users");
    const link = adminPage.getByRole("link", { name: PILOTS.rookie.name, exact: true });
    await link.waitFor();
    await audit(adminPage, "admin: users");
    await shot(adminPage, "15-admin-users");
    await link.click();
    await adminPage.getByRole("heading", { name: PILOTS.rookie.name }).waitFor();
    await adminPage.getByText("Live sessions").waitFor();
    await audit(adminPage, "admin: user");
    await shot(adminPage, "15b-admin-user");
    await adminPage.getByRole("link", { name: "Audit log for this user" }).click();
    await adminPage.getByTestId("audit-table").waitFor();
    await adminPage.getByTestId("audit-table").getByText("Session ended").first().waitFor();
    await adminPage.getByTestId("audit-table").getByText("Character unlinked").first().waitFor();
    await go(adminPage, "/admin/audit");
    await adminPage.getByTestId("audit-table").getByText("Login", { exact: true }).first().waitFor();
    await audit(adminPage, "admin: audit log");
    await shot(adminPage, "16-admin-audit");
    await shot(adminPage, "16-admin-audit-phone", { phone: true });
  });

  await step("site admin: grants the right, revokes it, bans a player and lifts the ban", async () => {
    const other = await newPerson(browser, "banned player");
    people.push(other);
    const otherPage = await logIn(other, PILOTS.other);
    const name = PILOTS.other.name;
    await go(adminPage, "/admin/users");
    await adminPage.getByRole("link", { name, exact: true }).click();
    await adminPage.getByRole("heading", { name: "Account" }).waitFor();

    await adminPage.getByRole("button", { name: "Grant site admin" }).click();
    await adminPage.getByRole("dialog", { name: `Make ${name} a site admin?` }).getByRole("button", { name: "Grant site admin" }).click();
    await toast(adminPage, `${name} is a site admin`).waitFor();
    await go(otherPage, "/");
    await otherPage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).waitFor();
    await adminPage.getByRole("button", { name: "Revoke site admin" }).click();
    await adminPage
      .getByRole("dialog", { name: `Revoke ${name}'s site admin right?` })
      .getByRole("button", { name: "Revoke site admin" })
      .click();
    await toast(adminPage, `${name} is no longer a site admin`).waitFor();

    // A ban needs a reason, ends the player's session at once and refuses the next login.
    await adminPage.getByRole("button", { name: "Disable account" }).click();
    await adminPage.getByText("Say why: the reason is kept in the audit log.").waitFor();
    await adminPage.getByLabel("Reason for disabling").fill("Sold the account");
    await adminPage.getByRole("button", { name: "Disable account" }).click();
    await adminPage.getByRole("dialog", { name: `Disable ${name}'s account?` }).getByRole("button", { name: "Disable account" }).click();
    await toast(adminPage, `${name}'s account is disabled`).waitFor();
    await adminPage.getByText("Reason: Sold the account").waitFor();
    await audit(adminPage, "admin: a disabled user");
    await shot(adminPage, "17-admin-user-disabled");
    other.allow.push({ text: /status of 40[13]/ }, { text: /WebSocket connection .* failed/ });
    await otherPage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Groups" }).click();
    await otherPage.getByText("You have been logged out").waitFor();
    await otherPage.getByRole("link", { name: "Log in with EVE Online" }).click();
    await otherPage.waitForURL(/\/authorize\?/, { timeout: 20_000 });
    await otherPage.getByRole("link", { name, exact: true }).click();
    await otherPage.getByTestId("login-error").getByText("This account is disabled").waitFor({ timeout: 20_000 });
    await shot(otherPage, "17b-login-refused");

    await adminPage.getByRole("button", { name: "Lift the ban" }).click();
    await toast(adminPage, `${name} may log in again`).waitFor();
    await logIn(other, PILOTS.other, { page: otherPage });
    await go(adminPage, "/admin/audit");
    await adminPage.getByTestId("audit-table").getByText("User disabled").first().waitFor();
    await adminPage.getByTestId("audit-table").getByText("Login refused").first().waitFor();
  });

  await step("group owner: members, admins, log and announcement pages", async () => {
    await go(commanderPage, `/groups/${approvalGroupId}/manage/log`);
    await commanderPage.getByRole("table").getByText("Left").first().waitFor();
    await audit(commanderPage, "group admin: log");
    await shot(commanderPage, "20-manage-log");
    await go(commanderPage, `/groups/${inviteGroupId}/manage/members`);
    await commanderPage.getByText(PILOTS.rookie.name).first().waitFor();
    await audit(commanderPage, "group admin: members");
    await shot(commanderPage, "21-manage-members");
    await go(commanderPage, `/groups/${inviteGroupId}/manage/announce`);
    await commanderPage.getByLabel("Message").fill("Op tonight at 19:00, form up in Jita.");
    await commanderPage.getByRole("button", { name: "Send announcement" }).click();
    await commanderPage.getByText("Announcement sent").first().waitFor();
    await toast(rookiePage, `${names.inviteGroup}: Op tonight at 19:00`).waitFor({ timeout: 15_000 });
    await go(commanderPage, `/groups/${inviteGroupId}/manage/rules`);
    await audit(commanderPage, "group admin: rules");
    await shot(commanderPage, "22-manage-rules");
  });

  if (rookiePage && commanderPage && inviteGroupId) {
    await step("live updates: the socket reconnects after a drop and acknowledges what it shows", async () => {
      // Playwright sits between the page and the server on the notification socket: it can drop
      // the connection and sees what the page sends.
      const page = await newPage(rookie);
      const connections = [];
      const fromPage = [];
      const toPage = [];
      await page.routeWebSocket(/\/api\/ws\/notifications$/, (ws) => {
        connections.push(ws);
        const server = ws.connectToServer();
        ws.onMessage((message) => {
          fromPage.push(String(message));
          server.send(message);
        });
        server.onMessage((message) => {
          toPage.push(String(message));
          ws.send(message);
        });
      });
      const hellos = () => toPage.filter((m) => m.includes('"type":"hello"')).length;
      await go(page, "/");
      await until(() => hellos() === 1, "the socket did not greet");
      const dropped = Date.now();
      await connections[0].close({ code: 4001, reason: "dropped by the test" });
      await until(() => connections.length === 2 && hellos() === 2, "the socket did not reconnect", 15_000);
      timings.reconnectMs = Date.now() - dropped;

      await go(commanderPage, `/groups/${inviteGroupId}/manage/announce`);
      await commanderPage.getByLabel("Message").fill("Second op: stand by for pings.");
      await commanderPage.getByRole("button", { name: "Send announcement" }).click();
      await toast(page, `${names.inviteGroup}: Second op: stand by for pings.`).waitFor({ timeout: 15_000 });
      const pushed = toPage
        .map((m) => JSON.parse(m))
        .find((m) => m.type === "notification" && m.notification.title.includes("Second op"));
      check(pushed, "the announcement did not come over the socket");
      await until(
        () =>
          fromPage.some((m) => {
            const message = JSON.parse(m);
            return message.type === "ack" && message.ids.includes(pushed.notification.id);
          }),
        "the page did not acknowledge the notification it showed",
      );
      await page.close();
    });
  }

  if (rookiePage) {
    await step("keyboard: skip link, account menu, dialogs and phone navigation", async () => {
      const page = rookiePage;
      await go(page, "/");
      await page.keyboard.press("Tab");
      check(
        (await page.evaluate(() => document.activeElement?.textContent)) === "Skip to content",
        "Tab 1 is the skip link",
      );
      await page.keyboard.press("Enter");
      check((await page.evaluate(() => document.activeElement?.id)) === "main", "the skip link focuses the content");
      const account = page.getByRole("button", { name: `Account: ${PILOTS.rookie.name}` });
      await account.focus();
      await page.keyboard.press("Enter");
      check((await account.getAttribute("aria-expanded")) === "true", "Enter opens the account menu");
      await page.keyboard.press("Escape");
      check((await account.getAttribute("aria-expanded")) === "false", "Escape closes the account menu");
      check(await account.evaluate((el) => el === document.activeElement), "focus returns to the menu button");
      await go(page, "/groups");
      const create = page.getByRole("button", { name: "New group" });
      await create.focus();
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog", { name: "Create a group" });
      await dialog.waitFor();
      check(await dialog.evaluate((el) => el.contains(document.activeElement)), "focus moves into the dialog");
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });
      check(await create.evaluate((el) => el === document.activeElement), "focus returns after the dialog");
      await page.setViewportSize(PHONE);
      const menu = page.getByRole("button", { name: "Open navigation" });
      await menu.click();
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sessions" }).waitFor();
      await shot(page, "29-phone-navigation", { fullPage: false });
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sessions" }).click();
      await page.getByRole("heading", { level: 1, name: "Sessions" }).waitFor();
      check((await menu.getAttribute("aria-expanded")) === "false", "the phone menu closes after navigating");
      await page.setViewportSize(DESKTOP);
    });
  }

  // ---- character and corporation data (tests/browser/data.mjs) ----
  if (rookiePage && commanderPage) {
    await dataJourneys({
      step,
      shot,
      audit,
      toast,
      person: rookie,
      page: rookiePage,
      commander,
      commanderPage,
      adminPage,
    });
  }

  // ---- Discord, against the local Discord in demo mode (tests/browser/discord.mjs) ----
  if (rookiePage && commanderPage && adminPage && inviteGroupId) {
    await discordJourneys({
      step,
      shot,
      audit,
      toast,
      adminPage,
      commanderPage,
      playerPage: rookiePage,
      groupId: inviteGroupId,
      groupName: names.inviteGroup,
    });
  }

  await step("log out: each pilot logs out from the account menu", async () => {
    for (const [person, page, pilot] of [
      [admin, adminPage, PILOTS.admin],
      [commander, commanderPage, PILOTS.commander],
      [rookie, rookiePage, PILOTS.rookie],
    ]) {
      if (!page) continue;
      await go(page, "/");
      await page.getByRole("button", { name: `Account: ${pilot.name}` }).click();
      await page.getByRole("button", { name: "Log out" }).click();
      await page.getByRole("link", { name: "Log in with EVE Online" }).waitFor();
      check(
        (await person.context.cookies()).every((c) => c.name !== "__Host-hub_session"),
        "the cookie stayed",
      );
    }
  });

  await step("no console errors, page errors or CSP violations", async () => {
    const problems = people.flatMap((p) => p.problems);
    check(problems.length === 0, problems.join("\n"));
  });

  await step("accessibility: no critical axe violations on any page", async () => {
    const critical = a11y.flatMap((r) =>
      r.violations
        .filter((v) => v.impact === "critical")
        .map((v) => `${r.page}: ${v.id} (${v.help}) ${v.targets.join(", ")}`),
    );
    check(critical.length === 0, critical.join("\n"));
  });
} finally {
  await browser.close();
}

// ---- summary ----
console.log("\n== accessibility (axe-core)");
for (const r of a11y) {
  const counts = {};
  for (const v of r.violations) counts[v.impact] = (counts[v.impact] ?? 0) + 1;
  const text = Object.keys(counts).length
    ? Object.entries(counts)
        .map(([k, n]) => `${n} ${k}`)
        .join(", ")
    : "no violations";
  console.log(`  ${r.page.padEnd(32)} ${text}`);
  for (const v of r.violations) console.log(`      ${v.impact}: ${v.id}: ${v.help} (${v.targets.join(", ")})`);
}
console.log("\n== performance (printed, not asserted)");
if (timings.bundle) {
  console.log(
    `  initial route JS: ${(timings.bundle.raw / 1024).toFixed(1)} KB, ${(timings.bundle.gzip / 1024).toFixed(1)} KB gzip (budget ${BUNDLE_BUDGET_KB} KB)`,
  );
}
if (timings.loginCold) {
  console.log(
    `  time to interactive, login page (cold): ${timings.loginCold.interactive} ms (DOMContentLoaded ${timings.loginCold.domContentLoaded} ms)`,
  );
}
if (timings.reconnectMs) {
  console.log(
    `  notification socket back after a drop: ${timings.reconnectMs} ms (backoff 0.5-1 s for the first retry)`,
  );
}
if (timings.dashboardCold) {
  console.log(
    `  time to interactive, dashboard (cold cache): ${timings.dashboardCold.interactive} ms (DOMContentLoaded ${timings.dashboardCold.domContentLoaded} ms); warm: ${timings.dashboardCold.warm} ms`,
  );
}
console.log(`\n== screenshots: ${shots.length} in ${SCREENSHOTS}`);
const failed = results.filter((r) => !r.ok);
console.log(`\n== ${results.length - failed.length} passed, ${failed.length} failed`);
for (const f of failed) console.log(`  FAILED: ${f.name}`);
process.exit(failed.length ? 1 : 0);
