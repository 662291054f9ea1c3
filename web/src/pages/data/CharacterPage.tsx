// One character's synced EVE data: sync status per dataset (with "sync now"), wallet and skills
// on the overview, then the wallet journal, transactions, market orders and assets, each with
// filters in the URL and pagination.

import { useEffect, useState } from "react";
import { ApiError, errorMessage, grantUrl } from "../../api/client";
import { endpoints } from "../../api/endpoints";
import type { SyncRunReport } from "../../api/types";
import {
  Isk,
  OffsetPager,
  pageLimit,
  parseId,
  parseSide,
  SideToggle,
  sideParam,
  statusInfo,
  SyncTable,
  type Side,
} from "../../components/data";
import {
  Alert,
  Badge,
  Button,
  ButtonLink,
  Card,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  Portrait,
  Spinner,
  TabNav,
  TextField,
} from "../../components/ui";
import { formatCount, formatDateTime, humanize, multiplyIsk, plural } from "../../lib/format";
import { useReady, useTitle } from "../../lib/hooks";
import { mutate, useApiQuery } from "../../lib/query";
import { setSearch, useLocation } from "../../lib/router";
import { useMe } from "../../lib/session";
import { useAction } from "../../lib/useAction";
import { NotFound } from "../NotFound";
import "../../styles/data.css";

const TABS = ["overview", "journal", "transactions", "orders", "assets"] as const;
type Tab = (typeof TABS)[number];
const TAB_LABELS: Record<Tab, string> = {
  overview: "Overview",
  journal: "Journal",
  transactions: "Transactions",
  orders: "Orders",
  assets: "Assets",
};

export function CharacterPage({ id, tab = "overview" }: { id: string; tab?: string }) {
  const me = useMe();
  const known = me.user.characters.find((c) => String(c.id) === id);
  const name = known?.name ?? `Character #${id}`;
  useTitle(`${name}${tab !== "overview" ? ` · ${TAB_LABELS[tab as Tab] ?? ""}` : ""}`);
  if (!/^\d{1,18}$/.test(id) || !(TABS as readonly string[]).includes(tab)) return <NotFound />;
  const base = `/characters/${id}`;
  return (
    <div className="page">
      <PageHeader
        back={{ to: "/", label: "Dashboard" }}
        title={
          <span className="title-with-portrait">
            <Portrait id={Number(id)} name={name} size={48} />
            {name}
          </span>
        }
        subtitle={`#${id} · EVE data synced by the hub`}
      />
      <TabNav
        label="Character data"
        active={tab}
        tabs={TABS.map((t) => ({ key: t, label: TAB_LABELS[t], to: t === "overview" ? base : `${base}/${t}` }))}
      />
      {tab === "overview" ? (
        <Overview id={id} name={name} corporationId={known?.corporation_id ?? null} />
      ) : tab === "journal" ? (
        <Journal id={id} />
      ) : tab === "transactions" ? (
        <Transactions id={id} />
      ) : tab === "orders" ? (
        <Orders id={id} />
      ) : (
        <Assets id={id} />
      )}
    </div>
  );
}

function summarize(report: SyncRunReport): { kind: "success" | "error" | "info"; body: string } {
  const counts = new Map<string, number>();
  for (const d of report.datasets) counts.set(d.status, (counts.get(d.status) ?? 0) + 1);
  const parts = [...counts.entries()].map(([status, n]) => `${n} ${statusInfo(status).label.toLowerCase()}`);
  const bad = report.datasets.some((d) => statusInfo(d.status).tone === "danger");
  return {
    kind: bad ? "error" : "success",
    body: report.datasets.length ? `${parts.join(", ")}.` : "Nothing was due.",
  };
}

function Overview({ id, name, corporationId }: { id: string; name: string; corporationId: number | null }) {
  const params = { characterId: id };
  const status = useApiQuery(endpoints.characterSync, { params });
  const wallet = useApiQuery(endpoints.wallet, { params });
  const skills = useApiQuery(endpoints.skills, { params });
  const { busy, run } = useAction<"sync">();
  const syncing = busy === "sync";
  useReady(!status.isPending);

  // The datasets refresh whatever the outcome: a sync already running may have finished some.
  const syncNow = () =>
    run("sync", () => mutate(endpoints.syncCharacter, { params }), {
      success: (report) => {
        const summary = summarize(report);
        return { kind: summary.kind, title: `${name}: sync finished`, body: summary.body };
      },
      failure: (e) =>
        e instanceof ApiError && e.status === 409
          ? { kind: "info", title: "A sync is already running", body: "Its results show up here when it ends." }
          : { kind: "error", title: `${name}: the sync failed`, body: errorMessage(e) },
    });

  const datasets = status.data?.datasets ?? [];
  const missing = datasets.filter((d) => d.status === "missing_scope" || d.status === "token_invalid");

  return (
    <div className="data-grid">
      <Card
        className="data-grid__wide"
        title="Sync status"
        actions={
          <Button variant="primary" icon="refresh" onClick={syncNow} busy={syncing} busyLabel="Syncing…">
            Sync now
          </Button>
        }
      >
        {syncing ? (
          <div className="sync-progress" role="status">
            <Spinner small />
            <span>Syncing with EVE Online. This takes a few seconds…</span>
            <span className="sync-progress__bar" aria-hidden="true" />
          </div>
        ) : null}
        {status.isPending ? (
          <LoadingState label="Loading the sync status" />
        ) : !status.data ? (
          <ErrorState error={status.error} onRetry={() => void status.refetch()} />
        ) : datasets.length === 0 ? (
          <EmptyState icon="clock" title="Not synced yet">
            The first sync of this character has not run. Use Sync now to start it.
          </EmptyState>
        ) : (
          <>
            {missing.length > 0 ? (
              <Alert kind="warning" title="Some data cannot be read">
                {plural(missing.length, "dataset")} need{missing.length === 1 ? "s" : ""} a permission the stored
                token does not carry ({missing.map((d) => humanize(d.dataset).toLowerCase()).join(", ")}).{" "}
                <a href={grantUrl(Number(id), "character_data", `/characters/${id}`)}>Grant data access for {name}</a>:
                at EVE SSO, choose {name} and allow reading its wallet, assets, skills and market orders.
              </Alert>
            ) : null}
            <SyncTable rows={datasets} caption={`Sync status of ${name}'s datasets`} />
          </>
        )}
      </Card>
      <Card title="Wallet">
        {wallet.isPending ? (
          <LoadingState rows={1} label="Loading the wallet" />
        ) : !wallet.data ? (
          <ErrorState error={wallet.error} onRetry={() => void wallet.refetch()} />
        ) : wallet.data.balance === null ? (
          <EmptyState icon="clock" title="No balance yet">
            The wallet has not been synced.
          </EmptyState>
        ) : (
          <p className="big-number" data-testid="wallet-balance">
            <Isk value={wallet.data.balance} />
          </p>
        )}
      </Card>
      <Card title="Skills">
        {skills.isPending ? (
          <LoadingState rows={1} label="Loading skills" />
        ) : !skills.data ? (
          <ErrorState error={skills.error} onRetry={() => void skills.refetch()} />
        ) : skills.data.total_sp === null && skills.data.skills.length === 0 ? (
          <EmptyState icon="clock" title="No skills yet">
            Skills are not synced{datasets.some((d) => d.dataset === "skills" && d.status === "missing_scope")
              ? ": the token lacks the skills permission."
              : " yet."}
          </EmptyState>
        ) : (
          <dl className="stats">
            <div>
              <dt>Total skill points</dt>
              <dd data-testid="total-sp">{formatCount(skills.data.total_sp)}</dd>
            </div>
            <div>
              <dt>Unallocated</dt>
              <dd>{formatCount(skills.data.unallocated_sp)}</dd>
            </div>
            <div>
              <dt>Skills trained</dt>
              <dd>{formatCount(skills.data.skills.length)}</dd>
            </div>
            <div>
              <dt>In the queue</dt>
              <dd>{formatCount(skills.data.queue.length)}</dd>
            </div>
          </dl>
        )}
      </Card>
      <Card title="Corporation">
        <p className="side-note">
          Corporation data (directors, members, wallets, assets) has its own pages for corporation admins.
        </p>
        {corporationId !== null ? (
          <ButtonLink to={`/corporations/${corporationId}`} size="sm" icon="shield">
            Corporation #{corporationId}
          </ButtonLink>
        ) : (
          <ButtonLink to="/corporations" size="sm" icon="shield">
            Open a corporation
          </ButtonLink>
        )}
      </Card>
    </div>
  );
}

/** Cursor pagination: the stack of `before_id`s of the pages seen so far. */
function useCursor(reset: readonly unknown[]) {
  const key = JSON.stringify(reset);
  const [state, setState] = useState<{ key: string; stack: (string | null)[] }>({ key, stack: [null] });
  // A new filter starts again from the newest page (adjusting state while rendering, no extra fetch).
  const stack = state.key === key ? state.stack : [null];
  if (state.key !== key) setState({ key, stack });
  return {
    before: stack[stack.length - 1] ?? null,
    page: stack.length,
    older: (next: string) => setState((s) => ({ key, stack: [...(s.key === key ? s.stack : [null]), next] })),
    newer: () => setState((s) => ({ key, stack: s.stack.length > 1 ? s.stack.slice(0, -1) : [null] })),
  };
}

function CursorPager({
  page,
  next,
  onOlder,
  onNewer,
  label,
}: {
  page: number;
  next: string | null;
  onOlder: () => void;
  onNewer: () => void;
  label: string;
}) {
  return (
    <nav className="pager pager--split" aria-label={label}>
      <span className="muted small" aria-live="polite">
        Page {page}
      </span>
      <span className="pager__buttons">
        <Button size="sm" icon="back" disabled={page <= 1} onClick={onNewer}>
          Newer
        </Button>
        <Button size="sm" disabled={next === null} onClick={onOlder}>
          Older
        </Button>
      </span>
    </nav>
  );
}

/** "Older": the next page's cursor (the button is disabled when there is none). */
function olderThan(next: string | null, older: (next: string) => void): () => void {
  return () => {
    if (next !== null) older(next);
  };
}

const REF_TYPES = [
  "market_transaction",
  "market_escrow",
  "bounty_prizes",
  "agent_mission_reward",
  "player_donation",
  "player_trading",
  "brokers_fee",
  "transaction_tax",
  "insurance",
  "contract_price",
];

function Journal({ id }: { id: string }) {
  const { search } = useLocation();
  const refType = search.get("ref_type") ?? "";
  const limit = pageLimit(search, 25);
  const cursor = useCursor([id, refType, limit]);
  const [draft, setDraft] = useState(refType);
  const [draftError, setDraftError] = useState<string | null>(null);
  useEffect(() => setDraft(refType), [refType]);
  const journal = useApiQuery(endpoints.journal, {
    params: { characterId: id },
    query: { ref_type: refType, before_id: cursor.before, limit },
  });
  useReady(!journal.isPending);

  const apply = () => {
    const text = draft.trim();
    if (text && !/^[a-z0-9_]{1,64}$/.test(text)) {
      setDraftError("A reference type is lower case with underscores, like bounty_prizes.");
      return;
    }
    setDraftError(null);
    setSearch({ ref_type: text || null });
  };

  const entries = journal.data?.entries ?? [];
  return (
    <Card title="Wallet journal">
      <form
        className="toolbar toolbar--compact"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
      >
        <TextField
          label="Reference type"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          error={draftError}
          placeholder="All types"
          list="ref-types"
          autoComplete="off"
          spellCheck={false}
        />
        <datalist id="ref-types">
          {REF_TYPES.map((r) => (
            <option key={r} value={r}>
              {humanize(r)}
            </option>
          ))}
        </datalist>
        <div className="toolbar__actions">
          <Button type="submit" icon="search">
            Filter
          </Button>
          {refType ? (
            <Button variant="ghost" onClick={() => setSearch({ ref_type: null })}>
              Clear
            </Button>
          ) : null}
        </div>
      </form>
      {journal.isPending ? (
        <LoadingState label="Loading the journal" />
      ) : !journal.data ? (
        <ErrorState error={journal.error} onRetry={() => void journal.refetch()} />
      ) : entries.length === 0 ? (
        <EmptyState icon="list" title={refType ? "No matching journal entries" : "No journal entries yet"}>
          {refType
            ? `Nothing of type ${refType}${cursor.page > 1 ? " on this page" : ""}.`
            : "The first sync has not finished, or the wallet has no entries."}
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table--stack" data-testid="journal-table">
              <caption className="visually-hidden">Wallet journal, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  <th scope="col">Type</th>
                  <th scope="col">Description</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                  <th scope="col" className="num">
                    Balance
                  </th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id} data-id={e.id}>
                    <td className="nowrap" data-label="Date">
                      <time dateTime={new Date(e.date_ms).toISOString()}>{formatDateTime(e.date_ms)}</time>
                    </td>
                    <td data-label="Type">
                      <Badge>{humanize(e.ref_type)}</Badge>
                    </td>
                    <td className="table__detail" data-label="Description">
                      {e.description || <span className="muted">—</span>}
                    </td>
                    <td className="num nowrap" data-label="Amount">
                      <Isk value={e.amount} signed />
                    </td>
                    <td className="num nowrap" data-label="Balance">
                      <Isk value={e.balance} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <CursorPager
            label="Journal pages"
            page={cursor.page}
            next={journal.data.next_before_id}
            onOlder={olderThan(journal.data.next_before_id, cursor.older)}
            onNewer={cursor.newer}
          />
        </>
      )}
    </Card>
  );
}

function Transactions({ id }: { id: string }) {
  const { search } = useLocation();
  const side = parseSide(search.get("side"));
  const limit = pageLimit(search, 25);
  const cursor = useCursor([id, side, limit]);
  const page = useApiQuery(endpoints.transactions, {
    params: { characterId: id },
    query: { buy: sideParam(side), before_id: cursor.before, limit },
  });
  useReady(!page.isPending);
  const rows = page.data?.transactions ?? [];
  return (
    <Card
      title="Market transactions"
      actions={
        <SideToggle label="Show transactions" value={side} onChange={(s: Side) => setSearch({ side: s === "all" ? null : s })} />
      }
    >
      {page.isPending ? (
        <LoadingState label="Loading transactions" />
      ) : !page.data ? (
        <ErrorState error={page.error} onRetry={() => void page.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState icon="list" title={side === "all" ? "No transactions yet" : `No ${side} transactions`}>
          {side === "all" ? "The first sync has not finished, or this character has not traded." : "Try All."}
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table--stack" data-testid="transactions-table">
              <caption className="visually-hidden">Market transactions, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  <th scope="col">Side</th>
                  <th scope="col">Item type</th>
                  <th scope="col" className="num">
                    Quantity
                  </th>
                  <th scope="col" className="num">
                    Unit price
                  </th>
                  <th scope="col" className="num">
                    Total
                  </th>
                  <th scope="col">Location</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((t) => (
                  <tr key={t.transaction_id}>
                    <td className="nowrap" data-label="Date">
                      <time dateTime={new Date(t.date_ms).toISOString()}>{formatDateTime(t.date_ms)}</time>
                    </td>
                    <td data-label="Side">
                      <Badge tone={t.is_buy ? "accent" : "gold"}>{t.is_buy ? "Buy" : "Sell"}</Badge>
                    </td>
                    <td data-label="Item type">Type #{t.type_id}</td>
                    <td className="num" data-label="Quantity">
                      {formatCount(t.quantity)}
                    </td>
                    <td className="num nowrap" data-label="Unit price">
                      <Isk value={t.unit_price} />
                    </td>
                    <td className="num nowrap" data-label="Total">
                      <Isk value={multiplyIsk(t.unit_price, t.quantity)} />
                    </td>
                    <td data-label="Location">#{t.location_id}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <CursorPager
            label="Transaction pages"
            page={cursor.page}
            next={page.data.next_before_id}
            onOlder={olderThan(page.data.next_before_id, cursor.older)}
            onNewer={cursor.newer}
          />
        </>
      )}
    </Card>
  );
}

function Orders({ id }: { id: string }) {
  const { search } = useLocation();
  const side = parseSide(search.get("side"));
  const orders = useApiQuery(endpoints.orders, { params: { characterId: id }, query: { buy: sideParam(side) } });
  useReady(!orders.isPending);
  const rows = orders.data?.orders ?? [];
  return (
    <Card
      title="Open market orders"
      actions={<SideToggle label="Show orders" value={side} onChange={(s) => setSearch({ side: s === "all" ? null : s })} />}
    >
      {orders.isPending ? (
        <LoadingState label="Loading orders" />
      ) : !orders.data ? (
        <ErrorState error={orders.error} onRetry={() => void orders.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState icon="list" title={side === "all" ? "No open orders" : `No open ${side} orders`}>
          {side === "all"
            ? "Nothing synced: the character has no open orders, or the first sync has not finished (the orders permission is needed)."
            : "Try All."}
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table table--stack" data-testid="orders-table">
            <caption className="visually-hidden">Open market orders</caption>
            <thead>
              <tr>
                <th scope="col">Issued</th>
                <th scope="col">Side</th>
                <th scope="col">Item type</th>
                <th scope="col" className="num">
                  Price
                </th>
                <th scope="col" className="num">
                  Remaining
                </th>
                <th scope="col">Location</th>
                <th scope="col">Expires</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((o) => (
                <tr key={o.order_id}>
                  <td className="nowrap" data-label="Issued">
                    {formatDateTime(o.issued_ms)}
                  </td>
                  <td data-label="Side">
                    <Badge tone={o.is_buy_order ? "accent" : "gold"}>{o.is_buy_order ? "Buy" : "Sell"}</Badge>
                  </td>
                  <td data-label="Item type">Type #{o.type_id}</td>
                  <td className="num nowrap" data-label="Price">
                    <Isk value={o.price} />
                  </td>
                  <td className="num nowrap" data-label="Remaining">
                    <span>
                      {formatCount(o.volume_remain)} / {formatCount(o.volume_total)}
                    </span>
                  </td>
                  <td data-label="Location">
                    <span>
                      #{o.location_id} <span className="muted small">(region #{o.region_id})</span>
                    </span>
                  </td>
                  <td className="nowrap" data-label="Expires">
                    {formatDateTime(o.issued_ms + o.duration * 86_400_000)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function Assets({ id }: { id: string }) {
  const { search } = useLocation();
  const locationId = search.get("location_id") ?? "";
  const typeId = search.get("type_id") ?? "";
  const offset = Math.max(0, Number(search.get("offset")) || 0);
  const limit = pageLimit(search, 25);
  const [draft, setDraft] = useState({ location: locationId, type: typeId });
  const [errors, setErrors] = useState<{ location: string | null; type: string | null }>({ location: null, type: null });
  useEffect(() => setDraft({ location: locationId, type: typeId }), [locationId, typeId]);
  const assets = useApiQuery(endpoints.assets, {
    params: { characterId: id },
    query: { location_id: locationId, type_id: typeId, limit, offset },
  });
  useReady(!assets.isPending);

  const apply = () => {
    const location = parseId(draft.location, "A location id");
    const type = parseId(draft.type, "A type id");
    setErrors({ location: location.error, type: type.error });
    if (location.error || type.error) return;
    setSearch({ location_id: location.value, type_id: type.value, offset: null });
  };
  const filtered = Boolean(locationId || typeId);
  const rows = assets.data?.assets ?? [];

  return (
    <Card title="Assets">
      <form
        className="toolbar toolbar--compact"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
      >
        <TextField
          label="Location id"
          value={draft.location}
          onChange={(e) => setDraft({ ...draft, location: e.target.value })}
          error={errors.location}
          placeholder="Any location"
          inputMode="numeric"
          autoComplete="off"
        />
        <TextField
          label="Type id"
          value={draft.type}
          onChange={(e) => setDraft({ ...draft, type: e.target.value })}
          error={errors.type}
          placeholder="Any type"
          inputMode="numeric"
          autoComplete="off"
        />
        <div className="toolbar__actions">
          <Button type="submit" icon="search">
            Filter
          </Button>
          {filtered ? (
            <Button
              variant="ghost"
              onClick={() => {
                setErrors({ location: null, type: null });
                setSearch({ location_id: null, type_id: null, offset: null });
              }}
            >
              Clear
            </Button>
          ) : null}
        </div>
      </form>
      {assets.isPending ? (
        <LoadingState label="Loading assets" />
      ) : !assets.data ? (
        <ErrorState error={assets.error} onRetry={() => void assets.refetch()} />
      ) : rows.length === 0 && offset === 0 ? (
        <EmptyState icon="inbox" title={filtered ? "No matching assets" : "No assets yet"}>
          {filtered ? "Nothing at that location or of that type." : "The first sync has not finished, or the character owns nothing."}
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table--stack" data-testid="assets-table">
              <caption className="visually-hidden">Assets</caption>
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col">Item type</th>
                  <th scope="col" className="num">
                    Quantity
                  </th>
                  <th scope="col">Location</th>
                  <th scope="col">Flag</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((a) => (
                  <tr key={a.item_id}>
                    <td className="nowrap" data-label="Item">
                      <span>
                        #{a.item_id}
                        {a.is_singleton ? <span className="muted small"> (assembled)</span> : null}
                      </span>
                    </td>
                    <td data-label="Item type">Type #{a.type_id}</td>
                    <td className="num" data-label="Quantity">
                      {formatCount(a.quantity)}
                    </td>
                    <td data-label="Location">
                      <span>
                        #{a.location_id} <span className="muted small">({a.location_type})</span>
                      </span>
                    </td>
                    <td data-label="Flag">{a.location_flag}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <OffsetPager
            label="Asset pages"
            offset={offset}
            limit={limit}
            total={assets.data.total}
            shown={rows.length}
            onOffset={(o) => setSearch({ offset: o ? String(o) : null })}
          />
        </>
      )}
    </Card>
  );
}
