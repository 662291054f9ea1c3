// Pieces shared by the character and corporation data pages: ISK amounts, sync status badges and
// tables, the buy/sell toggle, and an offset pager.

import type { ReactNode } from "react";
import { formatCount, formatIsk, humanize, isNegativeIsk } from "../lib/format";
import { Badge, Button, Time } from "./ui";

/** An exact ISK amount; negative ones are marked (colour and sign). */
export function Isk({ value, signed = false }: { value: string | null | undefined; signed?: boolean }) {
  const negative = isNegativeIsk(value ?? null);
  const cls = `isk${signed ? (negative ? " isk--negative" : " isk--positive") : ""}`;
  return <span className={cls}>{formatIsk(value)}</span>;
}

type Tone = "neutral" | "accent" | "success" | "warning" | "danger" | "gold";

const STATUS: Record<string, { label: string; tone: Tone }> = {
  ok: { label: "OK", tone: "success" },
  unchanged: { label: "Unchanged", tone: "success" },
  error: { label: "Error", tone: "danger" },
  paused: { label: "Paused", tone: "warning" },
  forbidden: { label: "Forbidden", tone: "danger" },
  token_invalid: { label: "Token invalid", tone: "danger" },
  missing_scope: { label: "Missing scope", tone: "warning" },
  no_token: { label: "No token", tone: "warning" },
  no_director: { label: "No director", tone: "warning" },
  running: { label: "Running", tone: "accent" },
};

export function statusInfo(status: string): { label: string; tone: Tone } {
  return STATUS[status] ?? { label: humanize(status), tone: "neutral" };
}

export function StatusBadge({ status }: { status: string }) {
  const info = statusInfo(status);
  return (
    <Badge tone={info.tone}>
      <span className={`dot dot--${info.tone}`} aria-hidden="true" /> {info.label}
    </Badge>
  );
}

const DATASET_LABELS: Record<string, string> = {
  public: "Public information",
  wallet: "Wallet balance",
  wallet_journal: "Wallet journal",
  assets: "Assets",
  corporation_history: "Corporation history",
  portrait: "Portrait",
  skills: "Skills",
  skill_queue: "Skill queue",
  orders: "Market orders",
  transactions: "Transactions",
  members: "Members",
  member_tracking: "Member tracking",
  wallets: "Wallets",
  structures: "Structures",
};

export function datasetLabel(dataset: string): string {
  return DATASET_LABELS[dataset] ?? humanize(dataset);
}

export interface SyncRow {
  dataset: string;
  status: string;
  message: string | null;
  last_sync_at_ms: number | null;
  next_sync_at_ms: number | null;
  extra?: ReactNode;
}

/** Each dataset's status, last and next sync. */
export function SyncTable({ rows, caption, extraLabel }: { rows: SyncRow[]; caption: string; extraLabel?: string }) {
  return (
    <div className="table-wrap">
      <table className="table table--stack" data-testid="sync-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Dataset</th>
            <th scope="col">Status</th>
            <th scope="col">Last sync</th>
            <th scope="col">Next sync</th>
            {extraLabel ? <th scope="col">{extraLabel}</th> : null}
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.dataset} data-dataset={r.dataset}>
              <th scope="row" className="table__rowhead" data-label="Dataset">
                {datasetLabel(r.dataset)}
              </th>
              <td data-label="Status">
                <StatusBadge status={r.status} />
              </td>
              <td className="nowrap" data-label="Last sync">
                {r.last_sync_at_ms ? <Time ms={r.last_sync_at_ms} /> : <span className="muted">Never</span>}
              </td>
              <td className="nowrap" data-label="Next sync">
                {r.next_sync_at_ms ? <Time ms={r.next_sync_at_ms} /> : <span className="muted">Not scheduled</span>}
              </td>
              {extraLabel ? <td data-label={extraLabel}>{r.extra ?? "—"}</td> : null}
              <td className="table__detail" data-label="Details">
                {r.message ? <span className="small">{r.message}</span> : <span className="muted">—</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export type Side = "all" | "buy" | "sell";

/** All / Buy / Sell, as toggle buttons. */
export function SideToggle({ value, onChange, label }: { value: Side; onChange: (side: Side) => void; label: string }) {
  const options: { value: Side; label: string }[] = [
    { value: "all", label: "All" },
    { value: "buy", label: "Buy" },
    { value: "sell", label: "Sell" },
  ];
  return (
    <div className="segmented" role="group" aria-label={label}>
      {options.map((o) => (
        <button
          key={o.value}
          type="button"
          className={`segmented__option${o.value === value ? " segmented__option--active" : ""}`}
          aria-pressed={o.value === value}
          onClick={() => onChange(o.value)}
        >
          {o.label}
        </button>
      ))}
    </div>
  );
}

/** The API's `buy` filter for a side (absent for all). */
export function sideParam(side: Side): boolean | undefined {
  return side === "buy" ? true : side === "sell" ? false : undefined;
}

export function parseSide(text: string | null): Side {
  return text === "buy" || text === "sell" ? text : "all";
}

/** "Showing 1–25 of 80", page n of m, Previous and Next. */
export function OffsetPager({
  offset,
  limit,
  total,
  shown,
  onOffset,
  label,
}: {
  offset: number;
  limit: number;
  total: number | null;
  shown: number;
  onOffset: (offset: number) => void;
  label: string;
}) {
  const page = Math.floor(offset / limit) + 1;
  const pages = total === null ? null : Math.max(1, Math.ceil(total / limit));
  const hasNext = total === null ? shown === limit : offset + shown < total;
  return (
    <nav className="pager pager--split" aria-label={label}>
      <span className="muted small" aria-live="polite">
        {shown === 0
          ? "Nothing on this page"
          : `Showing ${formatCount(offset + 1)}–${formatCount(offset + shown)}${total === null ? "" : ` of ${formatCount(total)}`}`}
        {pages ? ` · page ${page} of ${pages}` : ""}
      </span>
      <span className="pager__buttons">
        <Button size="sm" icon="back" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - limit))}>
          Previous
        </Button>
        <Button size="sm" disabled={!hasNext} onClick={() => onOffset(offset + limit)}>
          Next
        </Button>
      </span>
    </nav>
  );
}

/** A positive whole number from a form field, or an error message. */
export function parseId(text: string, what: string): { value: string | null; error: string | null } {
  const t = text.trim();
  if (t === "") return { value: null, error: null };
  if (!/^\d{1,18}$/.test(t) || /^0+$/.test(t)) return { value: null, error: `${what} is a whole number, like 60003760.` };
  return { value: t.replace(/^0+/, ""), error: null };
}

/** The page size from `?limit=` (1 to 200), or the default. */
export function pageLimit(search: URLSearchParams, fallback: number): number {
  const n = Number(search.get("limit"));
  return Number.isInteger(n) && n >= 1 && n <= 200 ? n : fallback;
}
