// Names for the ids the API returns (types, locations, corporations, alliances, characters): the
// ids asked for during one render go out as one POST /api/names, and the answers stay for the
// session, so a table of 100 rows makes one request and a page opened again makes none.

import { useEffect, useSyncExternalStore } from "react";
import { send } from "../api/client";
import { endpoints } from "../api/endpoints";
import type { Name, UnknownReason } from "../api/types";
import { formatSecurity } from "./format";

/** What is known of an id: its name, why it has none, or nothing yet. */
export type NameState = { name: Name } | { unknown: UnknownReason } | undefined;

/** The API names up to this many ids per call. */
const BATCH = 1000;

const known = new Map<number, NameState>();
const asking = new Set<number>();
let queued = new Set<number>();
let scheduled = false;
let version = 0;
const listeners = new Set<() => void>();

function changed(): void {
  version += 1;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

function ask(ids: Iterable<number>): void {
  for (const id of ids) {
    if (!Number.isSafeInteger(id) || id <= 0 || known.has(id) || asking.has(id)) continue;
    queued.add(id);
  }
  if (queued.size === 0 || scheduled) return;
  scheduled = true;
  // Every component of one render has asked by the next task.
  setTimeout(flush, 0);
}

function flush(): void {
  scheduled = false;
  const ids = [...queued];
  queued = new Set();
  for (let start = 0; start < ids.length; start += BATCH) {
    const batch = ids.slice(start, start + BATCH);
    for (const id of batch) asking.add(id);
    send(endpoints.names, { body: { ids: batch } }, { read: true })
      .then((answer) => {
        for (const name of answer.names) known.set(name.id, { name });
        for (const u of answer.unknown) known.set(u.id, { unknown: u.reason });
      })
      // A failed lookup leaves the ids as ids; the next page that shows them asks again.
      .catch(() => undefined)
      .finally(() => {
        for (const id of batch) asking.delete(id);
        changed();
      });
  }
}

/** The names of `ids` as they arrive (`undefined` until then). */
export function useNames(ids: readonly (number | null | undefined)[]): (id: number) => NameState {
  useSyncExternalStore(subscribe, () => version);
  const key = ids.filter((id): id is number => typeof id === "number").join(",");
  useEffect(() => {
    if (key) ask(key.split(",").map(Number));
  }, [key]);
  return (id) => known.get(id);
}

/** The name of one id, for a heading or a toast; `fallback` until it is known. */
export function useNameText(id: number | null | undefined, fallback: string): string {
  const lookup = useNames([id]);
  const state = id ? lookup(id) : undefined;
  return state && "name" in state ? labelOf(state.name) : fallback;
}

/** "Tritanium", "Jita IV - Moon 4 - Caldari Navy Assembly Plant", "Dreddit [B0RT]". */
export function labelOf(name: Name): string {
  return name.ticker ? `${name.name} [${name.ticker}]` : name.name;
}

/** What an id is called while its name is unknown, by what the page knows it to be. */
export type IdKind = "Type" | "Location" | "Corporation" | "Alliance" | "Character" | "Region" | "System";

const UNKNOWN_WHY: Record<UnknownReason, string> = {
  not_found: "EVE Online does not know this id",
  structure_needs_access: "A player structure: its name needs a character with docking access",
  unavailable: "The name could not be looked up just now",
};

/**
 * An id shown by its name, with the id a hover away (and in the text while the name is unknown).
 * Stations and systems carry their security status.
 */
export function EveName({
  id,
  kind,
  state,
  security = false,
}: {
  id: number;
  kind: IdKind;
  /** From a `useNames` lookup of the list this name is in. */
  state: NameState;
  /** Show the security status of a system or station. */
  security?: boolean;
}) {
  if (state && "name" in state) {
    const sec = security ? state.name.security : undefined;
    return (
      <span className="eve-name" title={`${kind} #${id}`} data-id={id}>
        {labelOf(state.name)}
        {sec !== undefined ? <Security value={sec} /> : null}
      </span>
    );
  }
  const structure = state && state.unknown === "structure_needs_access";
  const label = structure ? `Structure #${id}` : `${kind} #${id}`;
  return (
    <span className="eve-name eve-name--id" title={state ? UNKNOWN_WHY[state.unknown] : `${kind} #${id}`} data-id={id}>
      {label}
    </span>
  );
}

/** A security status in the game's colours: 1.0 blue to 0.0 red. */
export function Security({ value }: { value: number }) {
  const tone = value >= 0.5 ? "high" : value > 0 ? "low" : "null";
  return (
    <span className={`security security--${tone}`} title="Security status">
      {formatSecurity(value)}
    </span>
  );
}
