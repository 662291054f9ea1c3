// Dates, counts and user agents as people read them.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export function formatDateTime(ms: number): string {
  return dateTime.format(new Date(ms));
}

export function formatDate(ms: number): string {
  return dateOnly.format(new Date(ms));
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600_000],
  ["month", 30 * 24 * 3600_000],
  ["week", 7 * 24 * 3600_000],
  ["day", 24 * 3600_000],
  ["hour", 3600_000],
  ["minute", 60_000],
];

/** "3 minutes ago", "in 2 hours", "just now". */
export function relativeTime(ms: number, now = Date.now()): string {
  const diff = ms - now;
  const abs = Math.abs(diff);
  if (abs < 45_000) return diff <= 0 ? "just now" : "in a moment";
  for (const [unit, size] of UNITS) {
    if (abs >= size || unit === "minute") {
      return relative.format(Math.round(diff / size), unit);
    }
  }
  return relative.format(Math.round(diff / 60_000), "minute");
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}

/** "Chrome 148 on Linux" from a user agent string; the raw string when unknown. */
export function describeUserAgent(ua: string | null): string {
  if (!ua) return "Unknown device";
  const browser =
    match(ua, /Edg\/(\d+)/, "Edge") ??
    match(ua, /OPR\/(\d+)/, "Opera") ??
    match(ua, /Firefox\/(\d+)/, "Firefox") ??
    match(ua, /(?:HeadlessChrome|Chrome|Chromium)\/(\d+)/, "Chrome") ??
    match(ua, /Version\/(\d+).*Safari/, "Safari");
  const os = /Windows/.test(ua)
    ? "Windows"
    : /Android/.test(ua)
      ? "Android"
      : /iPhone|iPad|iOS/.test(ua)
        ? "iOS"
        : /Mac OS X|Macintosh/.test(ua)
          ? "macOS"
          : /CrOS/.test(ua)
            ? "ChromeOS"
            : /Linux/.test(ua)
              ? "Linux"
              : null;
  if (!browser && !os) return ua.length > 60 ? `${ua.slice(0, 57)}…` : ua;
  return [browser ?? "Browser", os ? `on ${os}` : ""].filter(Boolean).join(" ");
}

function match(ua: string, re: RegExp, name: string): string | null {
  const m = re.exec(ua);
  return m ? `${name} ${m[1]}` : null;
}

/** Words from a snake_case code: "join_request_received" -> "Join request received". */
export function humanize(code: string): string {
  const text = code.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

/**
 * An exact ISK amount from the API's decimal string: "1234567.891" -> "1,234,567.89 ISK". String
 * arithmetic only (no floating point), rounding half away from zero to 2 decimals.
 */
export function formatIsk(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  const text = typeof value === "number" ? value.toFixed(2) : value.trim();
  const m = /^([+-])?(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (!m[2] && !m[3])) return `${text} ISK`;
  const negative = m[1] === "-";
  let digits = `${m[2] || "0"}${(m[3] ?? "").padEnd(2, "0").slice(0, 2)}`;
  const rest = (m[3] ?? "").slice(2);
  if (rest && rest.charCodeAt(0) >= 53 /* "5" */) digits = incrementDigits(digits);
  digits = digits.replace(/^0+(?=\d{3})/, "").padStart(3, "0");
  const whole = digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = digits.slice(-2);
  const zero = /^0+$/.test(digits);
  return `${negative && !zero ? "-" : ""}${whole}.${cents} ISK`;
}

function incrementDigits(digits: string): string {
  const out = digits.split("");
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] === "9") {
      out[i] = "0";
    } else {
      out[i] = String(Number(out[i]) + 1);
      return out.join("");
    }
  }
  return `1${out.join("")}`;
}

/** Whether an ISK decimal string is below zero. */
export function isNegativeIsk(value: string | null | undefined): boolean {
  return typeof value === "string" && /^\s*-/.test(value) && /[1-9]/.test(value);
}

/** An ISK decimal string as whole cents (extra decimals cut), or null when it is not a decimal. */
function toCents(value: string | null | undefined): bigint | null {
  const m = value ? /^([+-])?(\d*)(?:\.(\d*))?$/.exec(value.trim()) : null;
  if (!m || (!m[2] && !m[3])) return null;
  const cents = BigInt(`${m[2] || "0"}${(m[3] ?? "").padEnd(2, "0").slice(0, 2)}`);
  return m[1] === "-" ? -cents : cents;
}

function fromCents(cents: bigint): string {
  const abs = (cents < 0n ? -cents : cents).toString().padStart(3, "0");
  return `${cents < 0n ? "-" : ""}${abs.slice(0, -2)}.${abs.slice(-2)}`;
}

/** The exact sum of ISK decimal strings (BigInt cents), as a decimal string. */
export function sumIsk(values: (string | null | undefined)[]): string {
  return fromCents(values.reduce((sum, v) => sum + (toCents(v) ?? 0n), 0n));
}

/** An ISK decimal string times a whole quantity, exactly (transaction totals). */
export function multiplyIsk(price: string, quantity: number): string {
  const cents = toCents(price);
  if (cents === null || !Number.isSafeInteger(quantity)) return price;
  return fromCents(cents * BigInt(quantity));
}

/** Whole numbers with thousands separators, the same in every locale ("5,000,000"). */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** A security status as the game shows it, one decimal ("0.5", "-0.2"). */
export function formatSecurity(value: number): string {
  return value.toFixed(1);
}
