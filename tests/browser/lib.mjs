// Helpers for the browser tests: Chromium through playwright-core, pilots logging in through the
// demo EVE SSO, console and CSP watching, axe-core checks, screenshots, timings.

import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const BASE_URL = (process.env.BASE_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
export const SCREENSHOTS = join(here, "screenshots");
export const DESKTOP = { width: 1366, height: 900 };
export const PHONE = { width: 390, height: 844 };

/** The test pilots (tests/sso-peer/eve-sso.mjs). */
export const PILOTS = {
  admin: { id: "90000001", name: "Demo Pilot" },
  rookie: { id: "90000004", name: "Rookie Pilot" },
  rookieAlt: { id: "90000005", name: "Rookie Alt" },
  commander: { id: "90000006", name: "Fleet Commander" },
  other: { id: "90000003", name: "Other Player" },
};

const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

mkdirSync(SCREENSHOTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--mute-audio"],
  });
}

/**
 * EVE's image server is not reachable from test machines: portraits are answered with a drawn
 * stand-in, so pages look as they do in production (the app's own fallback covers real failures).
 */
function portraitStandIn(url) {
  const id = /characters\/(\d+)/.exec(url)?.[1] ?? "0";
  const hue = (Number(id) * 47) % 360;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">
<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="hsl(${hue},35%,26%)"/><stop offset="1" stop-color="hsl(${hue},40%,10%)"/></linearGradient></defs>
<rect width="64" height="64" fill="url(#g)"/><circle cx="32" cy="25" r="12" fill="hsl(${hue},25%,62%)"/>
<path d="M10 64c2-14 11-21 22-21s20 7 22 21z" fill="hsl(${hue},25%,52%)"/></svg>`;
}

/**
 * A browser context for one person: its own cookies, viewport and user agent suffix. Every page
 * opened in it records console errors, page errors and CSP violations in `problems`.
 */
export async function newPerson(browser, label, { viewport = DESKTOP, userAgentTag } = {}) {
  const probe = await browser.newPage();
  const baseUa = (await probe.evaluate(() => navigator.userAgent)).replace("HeadlessChrome", "Chrome");
  await probe.close();
  const context = await browser.newContext({
    viewport,
    userAgent: userAgentTag ? `${baseUa} ${userAgentTag}` : baseUa,
    reducedMotion: "reduce",
    locale: "en-GB",
  });
  await context.route("https://images.evetech.net/**", (route) =>
    route.fulfill({ status: 200, contentType: "image/svg+xml", body: portraitStandIn(route.request().url()) }),
  );
  const person = { label, context, problems: [], allow: [] };
  context.on("page", (page) => watch(person, page));
  return person;
}

/**
 * Console errors the test expects: `{ text, url }` regular expressions (both must match; a missing
 * one matches anything). A logged-out page asks `/api/users/me` and gets 401, which Chromium logs.
 */
const ALWAYS_ALLOWED = [{ text: /status of 401/, url: /\/api\/users\/me$/ }];

function watch(person, page) {
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const text = msg.text();
    const url = msg.location()?.url ?? "";
    const allowed = [...ALWAYS_ALLOWED, ...person.allow].some(
      (a) => (!a.text || a.text.test(text)) && (!a.url || a.url.test(url)),
    );
    if (allowed) return;
    person.problems.push(`${person.label}: console error: ${text}${url ? ` (${url})` : ""}`);
  });
  page.on("pageerror", (error) => person.problems.push(`${person.label}: page error: ${error.message}`));
}

export async function newPage(person) {
  const page = await person.context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

/** Waits until the app marked its first page interactive (data on screen). */
export async function waitReady(page) {
  await page.waitForFunction(() => document.documentElement.dataset.ready === "true", null, { timeout: 20_000 });
}

/** Navigates within the origin and waits for the app to settle. */
export async function go(page, path) {
  await page.goto(`${BASE_URL}${path}`, { waitUntil: "domcontentloaded" });
  await waitReady(page);
}

/** Picks a pilot on the demo SSO's page (the browser is there after a login or link start). */
export async function pickPilot(page, pilot) {
  await page.waitForURL(/\/authorize\?/, { timeout: 20_000 });
  await page.getByRole("heading", { name: "Demo EVE SSO" }).waitFor();
  await Promise.all([
    page.waitForURL((url) => url.origin === BASE_URL && !url.pathname.startsWith("/api/"), { timeout: 30_000 }),
    page.getByRole("link", { name: pilot.name, exact: true }).click(),
  ]);
}

/** Logs a person in from the login page, as `pilot`; resolves on the dashboard. */
export async function logIn(person, pilot, { page } = {}) {
  page ??= await newPage(person);
  await go(page, "/");
  await page.getByRole("link", { name: "Log in with EVE Online" }).click();
  await pickPilot(page, pilot);
  await waitReady(page);
  await page.getByRole("heading", { level: 1, name: new RegExp(`Welcome back, ${pilot.name}`) }).waitFor();
  return page;
}

/** A full-page screenshot under tests/browser/screenshots/. */
export async function screenshot(page, name, { fullPage = true } = {}) {
  // Let toasts and transitions settle, and move the mouse out of the way.
  await page.mouse.move(0, 0);
  await page.waitForTimeout(150);
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/** Runs axe-core on the page; returns the violations (critical ones fail the test). */
export async function axe(page, name) {
  const loaded = await page.evaluate(() => typeof window.axe !== "undefined");
  if (!loaded) await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
      resultTypes: ["violations"],
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.length,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
  });
  return { page: name, violations: result };
}

export class Failure extends Error {}

export function check(condition, message) {
  if (!condition) throw new Failure(message);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `condition` until it holds (or fails with `message` after `timeout` ms). */
export async function until(condition, message, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Failure(message);
    await sleep(100);
  }
}
