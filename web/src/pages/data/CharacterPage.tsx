// One character's synced EVE data: sync status per dataset (with "sync now"), wallet and skills
// on the overview, then the wallet journal, transactions, market orders and assets, each with
// filters in the URL and pagination.

import { useEffect, useState } from "react";
import { ApiError, errorMessage, grantUrl } from "../../api/client";
import { endpoints } from "../../api/endpoints";
import type { SyncRunReport } from "../../api/types";
import {
  BalanceChart,
  Isk,
  OffsetPager,
  pageLimit,
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
import { EveName, labelOf, useNames, useNameText } from "../../lib/names";
import { useMe } from "../../lib/session";
import { useAction } from "../../lib/useAction";
import { NotFound } from "../NotFound";
import "../../styles/data.css";

const TABS = ["overview", "skills", "journal", "transactions", "orders", "assets"] as const;
type Tab = (typeof TABS)[number];
const TAB_LABELS: Record<Tab, string> = {
  overview: "Overview",
  skills: "Skills",
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
      ) : tab === "skills" ? (
        <SkillsTab id={id} />
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
  const history = useApiQuery(endpoints.walletHistory, { params });
  const corporationName = useNameText(corporationId, `Corporation #${corporationId}`);
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
          <ButtonLink to={`/corporations/${corporationId}`} size="sm" icon="shield" title={`Corporation #${corporationId}`}>
            {corporationName}
          </ButtonLink>
        ) : (
          <ButtonLink to="/corporations" size="sm" icon="shield">
            Open a corporation
          </ButtonLink>
        )}
      </Card>
      <Card className="data-grid__wide" title="Wallet balance over time">
        {history.isPending ? (
          <LoadingState rows={2} label="Loading the balance history" />
        ) : !history.data ? (
          <ErrorState error={history.error} onRetry={() => void history.refetch()} />
        ) : history.data.points.length === 0 ? (
          <EmptyState icon="clock" title="No history yet">
            The chart is drawn from the wallet journal, which has not been synced.
          </EmptyState>
        ) : (
          <BalanceChart points={history.data.points} label={`${name}'s wallet balance`} />
        )}
      </Card>
    </div>
  );
}

interface TrainedSkill {
  skill_id: number;
  skillpoints_in_skill?: number;
  trained_skill_level?: number;
  active_skill_level?: number;
}

interface QueuedSkill {
  skill_id: number;
  finished_level?: number;
  queue_position?: number;
  finish_date?: string;
}

const LEVELS = ["0", "I", "II", "III", "IV", "V"];

function level(n: number | undefined): string {
  return LEVELS[n ?? 0] ?? String(n);
}

/** The skills ESI returned, kept to the fields this page reads (anything else is ignored). */
function asRecords<T extends { skill_id: number }>(values: unknown[]): T[] {
  return values.filter(
    (v): v is T => typeof v === "object" && v !== null && typeof (v as { skill_id?: unknown }).skill_id === "number",
  );
}

function SkillsTab({ id }: { id: string }) {
  const skills = useApiQuery(endpoints.skills, { params: { characterId: id } });
  const trained = asRecords<TrainedSkill>(skills.data?.skills ?? []);
  const queue = asRecords<QueuedSkill>(skills.data?.queue ?? []).sort(
    (a, b) => (a.queue_position ?? 0) - (b.queue_position ?? 0),
  );
  const names = useNames([...trained.map((t) => t.skill_id), ...queue.map((q) => q.skill_id)]);
  useReady(!skills.isPending);
  if (skills.isPending) return <LoadingState label="Loading skills" />;
  if (!skills.data) return <ErrorState error={skills.error} onRetry={() => void skills.refetch()} />;

  const groups = new Map<string, TrainedSkill[]>();
  for (const t of trained) {
    const state = names(t.skill_id);
    const group = state && "name" in state ? (state.name.group ?? "Other") : "Other";
    groups.set(group, [...(groups.get(group) ?? []), t]);
  }
  const nameOf = (skill: number) => {
    const state = names(skill);
    return state && "name" in state ? labelOf(state.name) : `Skill #${skill}`;
  };
  const sorted = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
  const now = Date.now();
  return (
    <div className="data-grid">
      <Card title="Training queue">
        {queue.length === 0 ? (
          <EmptyState icon="clock" title="The queue is empty">
            No skill is training.
          </EmptyState>
        ) : (
          <ol className="skill-queue" data-testid="skill-queue">
            {queue.map((q) => {
              const finish = q.finish_date ? Date.parse(q.finish_date) : NaN;
              return (
                <li key={`${q.skill_id}-${q.finished_level}`}>
                  <span>
                    <EveName id={q.skill_id} kind="Type" state={names(q.skill_id)} /> {level(q.finished_level)}
                  </span>
                  <span className="muted small">
                    {Number.isNaN(finish) ? "paused" : finish < now ? "done" : `finishes ${formatDateTime(finish)}`}
                  </span>
                </li>
              );
            })}
          </ol>
        )}
      </Card>
      <Card className="data-grid__wide" title="Trained skills">
        {trained.length === 0 ? (
          <EmptyState icon="clock" title="No skills yet">
            Skills are not synced yet, or the token lacks the skills permission.
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table table--stack" data-testid="skills-table">
              <caption className="visually-hidden">Trained skills by skill group</caption>
              <thead>
                <tr>
                  <th scope="col">Skill</th>
                  <th scope="col">Level</th>
                  <th scope="col" className="num">
                    Skill points
                  </th>
                </tr>
              </thead>
              {sorted.map(([group, list]) => (
                <tbody key={group} data-group={group}>
                  <tr className="table__group">
                    <th scope="colgroup" colSpan={2}>
                      {group} <span className="muted small">({plural(list.length, "skill")})</span>
                    </th>
                    <td className="num muted small">
                      {formatCount(list.reduce((n, t) => n + (t.skillpoints_in_skill ?? 0), 0))}
                    </td>
                  </tr>
                  {[...list]
                    .sort((a, b) => nameOf(a.skill_id).localeCompare(nameOf(b.skill_id)))
                    .map((t) => (
                      <tr key={t.skill_id} data-skill={t.skill_id}>
                        <td data-label="Skill">
                          <EveName id={t.skill_id} kind="Type" state={names(t.skill_id)} />
                        </td>
                        <td data-label="Level">
                          {level(t.trained_skill_level)}
                          {t.active_skill_level !== undefined && t.active_skill_level !== t.trained_skill_level ? (
                            <span className="muted small"> (active {level(t.active_skill_level)})</span>
                          ) : null}
                        </td>
                        <td className="num" data-label="Skill points">
                          {formatCount(t.skillpoints_in_skill ?? 0)}
                        </td>
                      </tr>
                    ))}
                </tbody>
              ))}
            </table>
          </div>
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
  const names = useNames(rows.flatMap((t) => [t.type_id, t.location_id]));
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
                    <td data-label="Item type">
                      <EveName id={t.type_id} kind="Type" state={names(t.type_id)} />
                    </td>
                    <td className="num" data-label="Quantity">
                      {formatCount(t.quantity)}
                    </td>
                    <td className="num nowrap" data-label="Unit price">
                      <Isk value={t.unit_price} />
                    </td>
                    <td className="num nowrap" data-label="Total">
                      <Isk value={multiplyIsk(t.unit_price, t.quantity)} />
                    </td>
                    <td data-label="Location">
                      <EveName id={t.location_id} kind="Location" state={names(t.location_id)} security />
                    </td>
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
  const names = useNames(rows.flatMap((o) => [o.type_id, o.location_id, o.region_id]));
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
                  <td data-label="Item type">
                    <EveName id={o.type_id} kind="Type" state={names(o.type_id)} />
                  </td>
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
                      <EveName id={o.location_id} kind="Location" state={names(o.location_id)} security />{" "}
                      <span className="muted small">
                        (<EveName id={o.region_id} kind="Region" state={names(o.region_id)} />)
                      </span>
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

/** Longest item-name search, as the API allows. */
const MAX_SEARCH = 100;

function Assets({ id }: { id: string }) {
  const { search } = useLocation();
  const locationId = search.get("location_id") ?? "";
  const q = (search.get("q") ?? "").trim();
  const offset = Math.max(0, Number(search.get("offset")) || 0);
  const limit = pageLimit(search, 25);
  const [draft, setDraft] = useState(q);
  const [draftError, setDraftError] = useState<string | null>(null);
  useEffect(() => setDraft(q), [q]);
  const locations = useApiQuery(endpoints.assetLocations, { params: { characterId: id } });
  const places = locations.data?.locations ?? [];
  const names = useNames(places.map((l) => l.location_id));
  useReady(!locations.isPending);

  const apply = () => {
    const text = draft.trim();
    if (text.length > MAX_SEARCH) {
      setDraftError(`At most ${MAX_SEARCH} characters.`);
      return;
    }
    setDraftError(null);
    setSearch({ q: text || null, offset: null });
  };
  const list = { id, locationId, offset, limit, q };

  return (
    <div className="assets">
      <Card title="Locations" className="assets__locations">
        {locations.isPending ? (
          <LoadingState rows={3} label="Loading the locations" />
        ) : !locations.data ? (
          <ErrorState error={locations.error} onRetry={() => void locations.refetch()} />
        ) : places.length === 0 ? (
          <p className="muted small">No assets synced yet.</p>
        ) : (
          <nav aria-label="Asset locations">
            <ul className="location-list" data-testid="asset-locations">
              <li>
                <a
                  href={`?${new URLSearchParams(q ? { q } : {}).toString()}`}
                  aria-current={locationId === "" ? "true" : undefined}
                  onClick={(e) => {
                    e.preventDefault();
                    setSearch({ location_id: null, offset: null });
                  }}
                >
                  <span>All locations</span>
                  <Badge>{formatCount(places.reduce((n, l) => n + l.items, 0))}</Badge>
                </a>
              </li>
              {places.map((l) => (
                <li key={l.location_id}>
                  <a
                    href={`?location_id=${l.location_id}`}
                    aria-current={locationId === String(l.location_id) ? "true" : undefined}
                    onClick={(e) => {
                      e.preventDefault();
                      setSearch({ location_id: String(l.location_id), offset: null });
                    }}
                  >
                    <EveName id={l.location_id} kind="Location" state={names(l.location_id)} security />
                    <Badge>{formatCount(l.items)}</Badge>
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
      </Card>
      <Card title="Assets" className="assets__items">
        <form
          className="toolbar toolbar--compact"
          role="search"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            apply();
          }}
        >
          <TextField
            label="Item name"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            error={draftError}
            placeholder="Tritanium, Rifter…"
            autoComplete="off"
          />
          <div className="toolbar__actions">
            <Button type="submit" icon="search">
              Search
            </Button>
            {q || locationId ? (
              <Button
                variant="ghost"
                onClick={() => {
                  setDraftError(null);
                  setSearch({ q: null, location_id: null, offset: null });
                }}
              >
                Clear
              </Button>
            ) : null}
          </div>
        </form>
        {q ? <AssetsNamed {...list} /> : <AssetList {...list} typeIds={null} />}
      </Card>
    </div>
  );
}

interface AssetListProps {
  id: string;
  locationId: string;
  offset: number;
  limit: number;
  q: string;
}

/** A search by item name: the types it matches, then the assets of those types. */
function AssetsNamed(props: AssetListProps) {
  const types = useApiQuery(endpoints.typeSearch, { query: { q: props.q, limit: 200 } });
  if (types.isPending) return <LoadingState label="Finding the item types" />;
  if (!types.data) return <ErrorState error={types.error} onRetry={() => void types.refetch()} />;
  if (types.data.types.length === 0) {
    return (
      <EmptyState icon="inbox" title="No matching assets">
        No item type is named like “{props.q}”.
      </EmptyState>
    );
  }
  return (
    <>
      {types.data.next_offset !== null ? (
        <Alert kind="info" title="Many item types match">
          Only assets of the first {types.data.types.length} item types named like “{props.q}” are shown: a longer
          name narrows the search.
        </Alert>
      ) : null}
      <AssetList {...props} typeIds={types.data.types.map((t) => t.type_id).join(",")} />
    </>
  );
}

function AssetList({ id, locationId, offset, limit, q, typeIds }: AssetListProps & { typeIds: string | null }) {
  const assets = useApiQuery(endpoints.assets, {
    params: { characterId: id },
    query: { location_id: locationId, type_ids: typeIds, limit, offset },
  });
  const rows = assets.data?.assets ?? [];
  const names = useNames(rows.flatMap((a) => [a.type_id, a.location_id]));
  const filtered = Boolean(locationId || q);
  if (assets.isPending) return <LoadingState label="Loading assets" />;
  if (!assets.data) return <ErrorState error={assets.error} onRetry={() => void assets.refetch()} />;
  if (rows.length === 0 && offset === 0) {
    return (
      <EmptyState icon="inbox" title={filtered ? "No matching assets" : "No assets yet"}>
        {q
          ? `Nothing named like “${q}”${locationId ? " at this location" : ""}.`
          : filtered
            ? "Nothing at this location."
            : "The first sync has not finished, or the character owns nothing."}
      </EmptyState>
    );
  }
  // Rows come sorted by location: each location opens with a heading row.
  const groups: { location: number; type: string; items: typeof rows }[] = [];
  for (const a of rows) {
    const last = groups[groups.length - 1];
    if (last && last.location === a.location_id) last.items.push(a);
    else groups.push({ location: a.location_id, type: a.location_type, items: [a] });
  }
  return (
    <>
      <div className="table-wrap">
        <table className="table table--stack" data-testid="assets-table">
          <caption className="visually-hidden">Assets by location</caption>
          <thead>
            <tr>
              <th scope="col">Item type</th>
              <th scope="col" className="num">
                Quantity
              </th>
              <th scope="col">Flag</th>
              <th scope="col">Item</th>
            </tr>
          </thead>
          {groups.map((g) => (
            <tbody key={g.location} data-location={g.location}>
              <tr className="table__group">
                <th scope="colgroup" colSpan={4}>
                  <EveName id={g.location} kind="Location" state={names(g.location)} security />{" "}
                  <span className="muted small">({g.type})</span>
                </th>
              </tr>
              {g.items.map((a) => (
                <tr key={a.item_id} data-item={a.item_id}>
                  <td data-label="Item type">
                    <EveName id={a.type_id} kind="Type" state={names(a.type_id)} />
                  </td>
                  <td className="num" data-label="Quantity">
                    {formatCount(a.quantity)}
                  </td>
                  <td data-label="Flag">{a.location_flag}</td>
                  <td className="nowrap" data-label="Item">
                    <span className="muted small">
                      #{a.item_id}
                      {a.is_singleton ? " (assembled)" : null}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          ))}
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
  );
}
