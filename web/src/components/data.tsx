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

/** One day's closing balance (ISK as an exact decimal string). */
export interface BalancePoint {
  day_ms: number;
  balance: string;
}

const CHART = { width: 640, height: 200, left: 8, right: 8, top: 12, bottom: 24 };

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * A balance over time as a line, for people who would rather look than read, with the same
 * numbers as a table a click away for those who read (and for screen readers).
 */
export function BalanceChart({ points, label }: { points: BalancePoint[]; label: string }) {
  const values = points.map((p) => Number(p.balance));
  const min = Math.min(...values);
  const max = Math.max(...values);
  // The exact amounts for the words; the floats only place the line.
  const exact = (v: number) => formatIsk(points[values.indexOf(v)]?.balance);
  const span = max - min || Math.abs(max) || 1;
  const first = points[0]?.day_ms ?? 0;
  const last = points[points.length - 1]?.day_ms ?? 0;
  const width = CHART.width - CHART.left - CHART.right;
  const height = CHART.height - CHART.top - CHART.bottom;
  const x = (ms: number) => CHART.left + (last === first ? width / 2 : ((ms - first) / (last - first)) * width);
  const y = (v: number) => CHART.top + height - ((v - min) / span) * height;
  const line = points.map((p, i) => `${i ? "L" : "M"}${x(p.day_ms).toFixed(1)},${y(values[i] ?? 0).toFixed(1)}`).join(" ");
  const summary =
    points.length === 0
      ? `${label}: no data`
      : `${label}: ${points.length} days from ${day(first)} to ${day(last)}, between ${exact(min)} and ${exact(max)}, ${formatIsk(points[points.length - 1]?.balance)} at the end`;
  return (
    <figure className="chart" data-testid="balance-chart">
      <svg
        className="chart__svg"
        viewBox={`0 0 ${CHART.width} ${CHART.height}`}
        role="img"
        aria-label={summary}
        preserveAspectRatio="none"
      >
        <line className="chart__axis" x1={CHART.left} x2={CHART.width - CHART.right} y1={CHART.top + height} y2={CHART.top + height} />
        <path className="chart__line" d={line} />
        {points.length === 1 ? <circle className="chart__dot" cx={x(first)} cy={y(values[0] ?? 0)} r={4} /> : null}
      </svg>
      <figcaption className="chart__caption">
        <span>{day(first)}</span>
        <span className="muted small">
          lowest {exact(min)} · highest {exact(max)}
        </span>
        <span>{day(last)}</span>
      </figcaption>
      <details className="chart__table">
        <summary>Show as a table</summary>
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">{label}, one row per day</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col" className="num">
                  Closing balance
                </th>
              </tr>
            </thead>
            <tbody>
              {points.map((p) => (
                <tr key={p.day_ms}>
                  <td>
                    <time dateTime={day(p.day_ms)}>{day(p.day_ms)}</time>
                  </td>
                  <td className="num">
                    <Isk value={p.balance} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
