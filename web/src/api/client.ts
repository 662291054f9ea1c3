// The one way the app talks to the API: same-origin relative URLs, the session cookie sent by the
// browser, the CSRF token on every state-changing request, and errors as `ApiError` carrying the
// server's `{"error", "message"}`.

import type { AnyEndpoint, AnyNavigation, ArgsOf, QueryParams, RequestArgs, ResponseOf } from "./endpoint";
import { endpoints } from "./endpoints";
import type { ApiErrorBody } from "./types";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

/** Set from `/api/users/me`; sent as `X-CSRF-Token` on every non-GET request. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when an authenticated request answers 401: the session ended. */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

// In-flight state-changing requests, for the global progress bar.
let busy = 0;
const busyListeners = new Set<(busy: number) => void>();

export function subscribeBusy(listener: (busy: number) => void): () => void {
  busyListeners.add(listener);
  return () => {
    busyListeners.delete(listener);
  };
}

export function getBusy(): number {
  return busy;
}

function setBusy(delta: number): void {
  busy += delta;
  for (const listener of busyListeners) listener(busy);
}

function describeStatus(status: number): string {
  if (status === 0) return "The server could not be reached. Check your connection and try again.";
  if (status === 401) return "Your session has ended. Log in again.";
  if (status === 403) return "You are not allowed to do this.";
  if (status === 404) return "Not found.";
  if (status === 429) return "Too many requests. Wait a moment and try again.";
  if (status >= 500) return "The server had a problem. Try again in a moment.";
  return `The request failed (${status}).`;
}

async function errorFrom(response: Response): Promise<ApiError> {
  let body: Partial<ApiErrorBody> | null = null;
  try {
    body = (await response.json()) as Partial<ApiErrorBody>;
  } catch {
    body = null;
  }
  const code = typeof body?.error === "string" ? body.error : `http_${response.status}`;
  const message =
    typeof body?.message === "string" && body.message.trim() !== "" ? body.message : describeStatus(response.status);
  return new ApiError(response.status, code, message);
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Do not treat a 401 as "the session ended" (the initial `/api/users/me`). */
  quiet401?: boolean;
  /** A POST that only reads (names): it does not show as the page being busy. */
  read?: boolean;
}

/** The path with its `:name` parameters filled in, and the query string. */
function urlOf(path: string, args: RequestArgs): string {
  const filled = path.replace(/:([A-Za-z_]+)/g, (_, name: string) => {
    const value = args.params?.[name];
    if (value === undefined) throw new Error(`${path}: no value for :${name}`);
    return encodeURIComponent(String(value));
  });
  return filled + (args.query ? query(args.query) : "");
}

/**
 * Sends one request to `endpoint` and answers with its response. Pages do not call this: they read
 * through the query cache (`useApiQuery`) and write through `mutate`, which also refreshes what the
 * write made stale (lib/query.ts).
 */
export function send<E extends AnyEndpoint>(
  endpoint: E,
  args: NoInfer<ArgsOf<E>>,
  options?: RequestOptions,
): Promise<ResponseOf<E>>;
// The response is the server's JSON, trusted to have the endpoint's type: both come from the Rust
// types (ts-rs), and `just test` fails when the generated ones drift.
export async function send(endpoint: AnyEndpoint, args: RequestArgs, options: RequestOptions = {}): Promise<unknown> {
  const headers: Record<string, string> = { accept: "application/json" };
  const init: RequestInit = { method: endpoint.method, headers, credentials: "same-origin", signal: options.signal };
  const mutating = endpoint.method !== "GET" && !options.read;
  if (endpoint.method !== "GET") {
    headers["content-type"] = "application/json";
    if (csrfToken) headers["x-csrf-token"] = csrfToken;
    init.body = JSON.stringify(args.body ?? {});
  }
  if (mutating) setBusy(1);
  let response: Response;
  try {
    response = await fetch(urlOf(endpoint.path, args), init);
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "network", describeStatus(0));
  } finally {
    if (mutating) setBusy(-1);
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401 && !options.quiet401) onUnauthorized?.();
    throw error;
  }
  if (response.status === 204) return undefined;
  const text = await response.text();
  return text ? JSON.parse(text) : undefined;
}

/** The URL of an address the browser opens itself (an SSO step, the notification socket). */
export function href<E extends AnyNavigation>(page: E, args: NoInfer<ArgsOf<E>>): string;
export function href(page: AnyNavigation, args: RequestArgs): string {
  return urlOf(page.path, args);
}

/** A query string from the defined values, with a leading `?` (or empty). */
export function query(params: QueryParams): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** A message for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}

/** Where the browser goes to log in, coming back to `returnTo` (a same-origin path). */
export function loginUrl(returnTo = "/"): string {
  return href(endpoints.login, { query: { return_to: safePath(returnTo) } });
}

/** Where the browser goes to link (or re-authorize) a character. */
export function linkCharacterUrl(returnTo = "/"): string {
  return href(endpoints.linkCharacter, { query: { return_to: safePath(returnTo) } });
}

/**
 * Where the browser goes for a character to grant more scopes: its own data, or (for a director)
 * the corporation's. The SSO must come back with that character.
 */
export function grantUrl(characterId: number, scopes: "character_data" | "corporation_data", returnTo = "/"): string {
  return href(endpoints.grant, { params: { characterId }, query: { scopes, return_to: safePath(returnTo) } });
}

/**
 * The scopes the character's datasets need: wallet, assets, skills and orders. ("Grant data access"
 * also asks for structure names; a token without that scope still syncs, so it is not asked again.)
 */
export const CHARACTER_DATA_SCOPES = [
  "esi-wallet.read_character_wallet.v1",
  "esi-assets.read_assets.v1",
  "esi-skills.read_skills.v1",
  "esi-skills.read_skillqueue.v1",
  "esi-markets.read_character_orders.v1",
];

/** Whether `granted` holds every scope of `wanted`. */
export function holdsScopes(granted: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((scope) => granted.includes(scope));
}

/** A same-origin path, or `/`. */
export function safePath(path: string): string {
  return path.startsWith("/") && !path.startsWith("//") && !path.startsWith("/\\") ? path : "/";
}
