// Corporation data for its admins (site admins and users who registered one of its directors):
// directors with their health, each dataset's sync status, "sync now", and the members, wallets,
// journal, assets, structures and orders the directors' tokens read. `/corporations` opens one by id.

import { useState, type ReactNode } from "react";
import { api, ApiError, errorMessage, query } from "../../api/client";
import type {
  CorporationDatasetPage,
  CorporationMembersPage,
  CorporationResponse,
  Director,
  DirectorBody,
  JsonValue,
  SyncRunReport,
} from "../../api/types";
import { Isk, OffsetPager, pageLimit, statusInfo, SyncTable } from "../../components/data";
import { useConfirm } from "../../components/Dialog";
import { useToast } from "../../components/Toasts";
import {
  Alert,
  Badge,
  Button,
  Card,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  Portrait,
  SelectField,
  Spinner,
  TabNav,
  TextField,
  Time,
} from "../../components/ui";
import { formatCount, formatDateTime, humanize, plural, sumIsk } from "../../lib/format";
import { useMounted, useReady, useTitle } from "../../lib/hooks";
import { navigate, setSearch, useLocation } from "../../lib/router";
import { useMe } from "../../lib/session";
import { isFirstLoad, useResource } from "../../lib/useResource";
import { NotFound } from "../NotFound";

/** `/corporations`: open a corporation's page by its id. */
export function CorporationsPage() {
  useTitle("Corporations");
  useReady(true);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const open = () => {
    const t = text.trim();
    if (!/^\d{1,18}$/.test(t) || /^0+$/.test(t)) {
      setError("Enter the corporation's numeric EVE id, like 98000001.");
      return;
    }
    setError(null);
    navigate(`/corporations/${t.replace(/^0+/, "")}`);
  };
  return (
    <div className="page page--narrow">
      <PageHeader
        title="Corporations"
        subtitle="Directors' tokens sync a corporation's members, wallets and assets for its admins."
      />
      <Card title="Open a corporation">
        <form
          className="toolbar toolbar--compact"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            open();
          }}
        >
          <TextField
            label="Corporation id"
            value={text}
            onChange={(e) => setText(e.target.value)}
            error={error}
            hint="Its EVE id: find it on zKillboard or EVE Who, or in the corporation's info window."
            inputMode="numeric"
            autoComplete="off"
          />
          <div className="toolbar__actions">
            <Button type="submit" variant="primary" icon="chevron">
              Open
            </Button>
          </div>
        </form>
      </Card>
    </div>
  );
}

const TABS = ["overview", "members", "wallets", "journal", "assets", "structures", "orders"] as const;
type Tab = (typeof TABS)[number];
const TAB_LABELS: Record<Tab, string> = {
  overview: "Overview",
  members: "Members",
  wallets: "Wallets",
  journal: "Journal",
  assets: "Assets",
  structures: "Structures",
  orders: "Orders",
};

export function CorporationPage({ id, tab = "overview" }: { id: string; tab?: string }) {
  useTitle(`Corporation #${id}${tab !== "overview" ? ` · ${TAB_LABELS[tab as Tab] ?? ""}` : ""}`);
  const corp = useResource(
    (signal) => api.get<CorporationResponse>(`/api/corporations/${id}`, { signal }),
    [id],
  );
  const toast = useToast();
  const mounted = useMounted();
  const [syncing, setSyncing] = useState(false);
  useReady(!isFirstLoad(corp));
  if (!/^\d{1,18}$/.test(id) || !(TABS as readonly string[]).includes(tab)) return <NotFound />;
  const base = `/corporations/${id}`;
  // 403 until the user registers a director here (or again after removing their last one).
  const denied = corp.error instanceof ApiError && corp.error.status === 403;

  const syncNow = async () => {
    setSyncing(true);
    try {
      const report = await api.post<SyncRunReport>(`/api/corporations/${id}/sync`);
      const bad = report.datasets.filter((d) => statusInfo(d.status).tone === "danger");
      toast({
        kind: bad.length ? "error" : "success",
        title: `Corporation #${id}: sync finished`,
        body: bad.length
          ? `${plural(bad.length, "dataset")} failed: ${bad.map((d) => d.message ?? d.status).join("; ")}`
          : `${plural(report.datasets.length, "dataset")} synced.`,
      });
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        toast({ kind: "info", title: "A sync is already running" });
      } else {
        toast({ kind: "error", title: "The corporation sync failed", body: errorMessage(e) });
      }
    } finally {
      if (mounted.current) {
        setSyncing(false);
        corp.reload();
      }
    }
  };

  return (
    <div className="page">
      <PageHeader
        back={{ to: "/corporations", label: "Corporations" }}
        title={`Corporation #${id}`}
        subtitle="Synced through its registered directors"
        actions={
          corp.data && !denied ? (
            <Button
              variant="primary"
              icon="refresh"
              onClick={syncNow}
              busy={syncing}
              busyLabel="Syncing…"
              disabled={corp.data.directors.length === 0}
              title={corp.data.directors.length === 0 ? "Register a director first" : undefined}
            >
              Sync now
            </Button>
          ) : null
        }
      />
      {syncing ? (
        <div className="sync-progress" role="status">
          <Spinner small />
          <span>Syncing the corporation with EVE Online. This takes a few seconds…</span>
          <span className="sync-progress__bar" aria-hidden="true" />
        </div>
      ) : null}
      {isFirstLoad(corp) ? (
        <LoadingState label="Loading the corporation" />
      ) : denied ? (
        <div className="data-grid">
          <Card className="data-grid__wide" title="Not a corporation admin">
            <Alert kind="info" title="Register a director to see this corporation">
              Only the corporation's admins see its data. Register one of your characters that holds the Director
              role in this corporation: its token reads the corporation's data, and you become one of its admins.
            </Alert>
            <AddDirector corporationId={id} onAdded={corp.reload} />
          </Card>
        </div>
      ) : corp.error && !corp.data ? (
        <ErrorState error={corp.error} onRetry={corp.reload} />
      ) : (
        <>
          <TabNav
            label="Corporation data"
            active={tab}
            tabs={TABS.map((t) => ({ key: t, label: TAB_LABELS[t], to: t === "overview" ? base : `${base}/${t}` }))}
          />
          {tab === "overview" ? (
            <Overview corp={corp.data!} reload={corp.reload} />
          ) : tab === "members" ? (
            <Members id={id} />
          ) : tab === "wallets" ? (
            <Wallets id={id} />
          ) : (
            <DatasetTab id={id} tab={tab as Exclude<Tab, "overview" | "members" | "wallets">} />
          )}
        </>
      )}
    </div>
  );
}

function Overview({ corp, reload }: { corp: CorporationResponse; reload: () => void }) {
  const names = new Map(corp.directors.map((d) => [d.character_id, d.character_name ?? `#${d.character_id}`]));
  const directors = [...corp.directors].sort((a, b) => a.priority - b.priority);
  const unhealthy = directors.filter((d) => !d.healthy).length;
  return (
    <div className="data-grid">
      <Card
        className="data-grid__wide"
        title={
          <>
            Directors <span className="card__count">{directors.length}</span>
          </>
        }
        actions={
          directors.length === 0 ? null : unhealthy ? (
            <Badge tone="danger">{plural(unhealthy, "unhealthy director")}</Badge>
          ) : (
            <Badge tone="success">All directors healthy</Badge>
          )
        }
      >
        {directors.length === 0 ? (
          <EmptyState icon="shield" title="No directors">
            Register a character with the Director role below: the hub reads the corporation with its token.
          </EmptyState>
        ) : (
          <ul className="director-list">
            {directors.map((d) => (
              <DirectorRow key={d.character_id} corporationId={corp.corporation_id} director={d} onChange={reload} />
            ))}
          </ul>
        )}
        <AddDirector corporationId={String(corp.corporation_id)} onAdded={reload} />
      </Card>
      <Card className="data-grid__wide" title="Datasets">
        {corp.datasets.length === 0 ? (
          <EmptyState icon="clock" title="Not synced yet">
            No dataset has synced. Register a director, then use Sync now.
          </EmptyState>
        ) : (
          <SyncTable
            caption="Sync status of the corporation's datasets"
            extraLabel="Director"
            rows={[...corp.datasets]
              .sort((a, b) => a.dataset.localeCompare(b.dataset))
              .map((d) => ({ ...d, extra: d.director_id ? (names.get(d.director_id) ?? `#${d.director_id}`) : null }))}
          />
        )}
      </Card>
    </div>
  );
}

function DirectorRow({
  corporationId,
  director,
  onChange,
}: {
  corporationId: number;
  director: Director;
  onChange: () => void;
}) {
  const confirm = useConfirm();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const name = director.character_name ?? `Character #${director.character_id}`;
  const remove = async () => {
    const ok = await confirm({
      title: `Remove ${name} as a director?`,
      message: (
        <p>
          The hub stops reading the corporation with this character's token. If it is your only director here, you
          also stop being an admin of this corporation.
        </p>
      ),
      confirmLabel: "Remove director",
      danger: true,
    });
    if (!ok) return;
    setBusy(true);
    try {
      await api.del(`/api/corporations/${corporationId}/directors/${director.character_id}`);
      toast({ kind: "success", title: `${name} is no longer a director here` });
      onChange();
    } catch (e) {
      toast({ kind: "error", title: "The director was not removed", body: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="director" data-testid={`director-${director.character_id}`}>
      <Portrait id={director.character_id} name={name} size={48} />
      <div className="director__main">
        <div className="character__name-row">
          <h3 className="character__name">{name}</h3>
          {director.healthy ? (
            <Badge tone="success">
              <span className="dot dot--success" aria-hidden="true" /> Healthy
            </Badge>
          ) : (
            <Badge tone="danger">
              <span className="dot dot--danger" aria-hidden="true" /> Unhealthy
            </Badge>
          )}
          <Badge>Priority {director.priority}</Badge>
        </div>
        <p className="character__meta">
          #{director.character_id}
          {director.consecutive_failures > 0 ? ` · ${plural(director.consecutive_failures, "failure")} in a row` : ""}
          {" · "}
          {director.last_success_at_ms ? <Time ms={director.last_success_at_ms} prefix="last worked" /> : "never used successfully"}
          {director.last_used_at_ms ? (
            <>
              {" · "}
              <Time ms={director.last_used_at_ms} prefix="last used" />
            </>
          ) : null}
        </p>
        {director.last_error ? (
          <p className="director__error small">
            Last error{director.last_failure_at_ms ? ` (${formatDateTime(director.last_failure_at_ms)})` : ""}:{" "}
            {director.last_error}
          </p>
        ) : null}
      </div>
      <Button
        size="sm"
        variant="ghost"
        icon="trash"
        className="btn--danger-text"
        onClick={remove}
        busy={busy}
        busyLabel="Removing…"
        aria-label={`Remove director: ${name}`}
      >
        Remove
      </Button>
    </li>
  );
}

function AddDirector({ corporationId, onAdded }: { corporationId: string; onAdded: () => void }) {
  const me = useMe();
  const toast = useToast();
  const characters = [...me.user.characters].sort((a, b) => a.name.localeCompare(b.name));
  const [character, setCharacter] = useState(String(characters[0]?.id ?? ""));
  const [priority, setPriority] = useState("1");
  const [priorityError, setPriorityError] = useState<string | null>(null);
  const [serverError, setServerError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    const p = Number(priority);
    if (!/^\d+$/.test(priority.trim()) || p < 1 || p > 100) {
      setPriorityError("Use a whole number from 1 (tried first) to 100.");
      return;
    }
    setPriorityError(null);
    setServerError(null);
    setBusy(true);
    try {
      await api.post(`/api/corporations/${corporationId}/directors`, {
        character_id: Number(character),
        priority: p,
      } satisfies DirectorBody);
      const name = characters.find((c) => String(c.id) === character)?.name ?? `#${character}`;
      toast({ kind: "success", title: `${name} is registered as a director` });
      onAdded();
    } catch (e) {
      setServerError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="add-director"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3 className="add-director__title">Register a director</h3>
      {serverError ? (
        <Alert title="The director was not registered" onDismiss={() => setServerError(null)}>
          {serverError}
        </Alert>
      ) : null}
      <div className="toolbar">
        <SelectField
          label="Your character"
          value={character}
          onChange={(e) => setCharacter(e.target.value)}
          options={characters.map((c) => ({ value: String(c.id), label: c.name }))}
        />
        <TextField
          label="Priority (1 is tried first)"
          value={priority}
          onChange={(e) => setPriority(e.target.value)}
          error={priorityError}
          inputMode="numeric"
          className="input input--short"
        />
        <div className="toolbar__actions">
          <Button type="submit" variant="primary" icon="plus" busy={busy} busyLabel="Registering…">
            Register director
          </Button>
        </div>
      </div>
    </form>
  );
}

function useOffset(defaultLimit: number) {
  const { search } = useLocation();
  const offset = Math.max(0, Number(search.get("offset")) || 0);
  const limit = pageLimit(search, defaultLimit);
  return { offset, limit, setOffset: (o: number) => setSearch({ offset: o ? String(o) : null }) };
}

function Members({ id }: { id: string }) {
  const me = useMe();
  const mine = new Map(me.user.characters.map((c) => [c.id, c.name]));
  const { offset, limit, setOffset } = useOffset(50);
  const members = useResource(
    (signal) => api.get<CorporationMembersPage>(`/api/corporations/${id}/members${query({ limit, offset })}`, { signal }),
    [id, limit, offset],
  );
  const rows = members.data?.members ?? [];
  return (
    <Card
      title={
        <>
          Members {members.data ? <span className="card__count">{formatCount(members.data.total)}</span> : null}
        </>
      }
    >
      {isFirstLoad(members) ? (
        <LoadingState label="Loading members" />
      ) : members.error && !members.data ? (
        <ErrorState error={members.error} onRetry={members.reload} />
      ) : rows.length === 0 && offset === 0 ? (
        <EmptyState icon="users" title="No members synced yet">
          The member list arrives with the first successful sync through a director.
        </EmptyState>
      ) : (
        <>
          <ul className="member-grid" data-testid="corp-members">
            {rows.map((m) => (
              <li key={m} className="member-grid__item">
                <Portrait id={m} name={mine.get(m) ?? `#${m}`} size={32} />
                <span>
                  {mine.get(m) ? <strong>{mine.get(m)} </strong> : null}
                  <span className={mine.get(m) ? "muted small" : ""}>#{m}</span>
                </span>
              </li>
            ))}
          </ul>
          <OffsetPager
            label="Member pages"
            offset={offset}
            limit={limit}
            total={members.data!.total}
            shown={rows.length}
            onOffset={setOffset}
          />
        </>
      )}
    </Card>
  );
}

type Row = { [key in string]?: JsonValue };

function useDataset(id: string, dataset: string, limit: number, offset: number) {
  return useResource(
    (signal) =>
      api.get<CorporationDatasetPage>(`/api/corporations/${id}/data/${dataset}${query({ limit, offset })}`, { signal }),
    [id, dataset, limit, offset],
  );
}

function Wallets({ id }: { id: string }) {
  const wallets = useDataset(id, "wallets", 10, 0);
  const rows = (wallets.data?.rows ?? []) as Row[];
  return (
    <Card title="Wallet divisions">
      {isFirstLoad(wallets) ? (
        <LoadingState label="Loading wallets" />
      ) : wallets.error && !wallets.data ? (
        <ErrorState error={wallets.error} onRetry={wallets.reload} />
      ) : rows.length === 0 ? (
        <EmptyState icon="inbox" title="No wallets synced yet">
          Wallet balances arrive with the first successful sync (the director needs an accountant or director role).
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="corp-wallets">
            <caption className="visually-hidden">Corporation wallet divisions</caption>
            <thead>
              <tr>
                <th scope="col">Division</th>
                <th scope="col" className="num">
                  Balance
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={String(r.division)}>
                  <th scope="row" className="table__rowhead">
                    Division {String(r.division)}
                  </th>
                  <td className="num nowrap">
                    <Isk value={typeof r.balance === "string" ? r.balance : String(r.balance ?? "")} />
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" className="table__rowhead">
                  Total
                </th>
                <td className="num nowrap">
                  <strong>
                    <Isk value={sumIsk(rows.map((r) => (r.balance === undefined || r.balance === null ? null : String(r.balance))))} />
                  </strong>
                </td>
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </Card>
  );
}

interface Column {
  key: string;
  label: string;
  kind?: "isk" | "date" | "id" | "count" | "bool" | "text";
}

const DATASETS: Record<"journal" | "assets" | "structures" | "orders", { dataset: string; title: string; columns: Column[]; empty: string }> = {
  journal: {
    dataset: "wallet_journal",
    title: "Wallet journal",
    empty: "No journal entries yet: the first sync has not finished, or the wallets have no entries.",
    columns: [
      { key: "date", label: "Date", kind: "date" },
      { key: "division", label: "Division", kind: "count" },
      { key: "ref_type", label: "Type" },
      { key: "description", label: "Description" },
      { key: "amount", label: "Amount", kind: "isk" },
      { key: "balance", label: "Balance", kind: "isk" },
    ],
  },
  assets: {
    dataset: "assets",
    title: "Assets",
    empty: "No assets synced yet.",
    columns: [
      { key: "item_id", label: "Item", kind: "id" },
      { key: "type_id", label: "Item type", kind: "id" },
      { key: "quantity", label: "Quantity", kind: "count" },
      { key: "location_id", label: "Location", kind: "id" },
      { key: "location_flag", label: "Flag" },
    ],
  },
  structures: {
    dataset: "structures",
    title: "Structures",
    empty: "No structures synced yet.",
    columns: [
      { key: "name", label: "Name" },
      { key: "structure_id", label: "Structure", kind: "id" },
      { key: "type_id", label: "Type", kind: "id" },
      { key: "system_id", label: "System", kind: "id" },
      { key: "state", label: "State" },
      { key: "fuel_expires", label: "Fuel expires", kind: "date" },
    ],
  },
  orders: {
    dataset: "orders",
    title: "Market orders",
    empty: "No market orders synced yet.",
    columns: [
      { key: "issued", label: "Issued", kind: "date" },
      { key: "is_buy_order", label: "Buy order", kind: "bool" },
      { key: "type_id", label: "Item type", kind: "id" },
      { key: "price", label: "Price", kind: "isk" },
      { key: "volume_remain", label: "Remaining", kind: "count" },
      { key: "location_id", label: "Location", kind: "id" },
      { key: "wallet_division", label: "Division", kind: "count" },
    ],
  },
};

function cell(value: JsonValue | undefined, kind: Column["kind"]): ReactNode {
  if (value === null || value === undefined || value === "") return <span className="muted">—</span>;
  switch (kind) {
    case "isk":
      return <Isk value={String(value)} signed={false} />;
    case "date": {
      const ms = typeof value === "string" ? Date.parse(value) : NaN;
      return Number.isNaN(ms) ? String(value) : <time dateTime={new Date(ms).toISOString()}>{formatDateTime(ms)}</time>;
    }
    case "id":
      return `#${String(value)}`;
    case "count":
      return typeof value === "number" ? formatCount(value) : String(value);
    case "bool":
      return value === true ? "Yes" : "No";
    default:
      return typeof value === "string" && /^[a-z_]+$/.test(value) ? humanize(value) : String(value);
  }
}

function DatasetTab({ id, tab }: { id: string; tab: "journal" | "assets" | "structures" | "orders" }) {
  const spec = DATASETS[tab];
  const { offset, limit, setOffset } = useOffset(25);
  const data = useDataset(id, spec.dataset, limit, offset);
  const rows = (data.data?.rows ?? []) as Row[];
  return (
    <Card title={spec.title}>
      {isFirstLoad(data) ? (
        <LoadingState label={`Loading ${spec.title.toLowerCase()}`} />
      ) : data.error && !data.data ? (
        <ErrorState error={data.error} onRetry={data.reload} />
      ) : rows.length === 0 && offset === 0 ? (
        <EmptyState icon="inbox" title={`No ${spec.title.toLowerCase()} yet`}>
          {spec.empty}
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table--stack" data-testid={`corp-${tab}`}>
              <caption className="visually-hidden">{spec.title}</caption>
              <thead>
                <tr>
                  {spec.columns.map((c) => (
                    <th key={c.key} scope="col" className={c.kind === "isk" || c.kind === "count" ? "num" : undefined}>
                      {c.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((r, i) => (
                  <tr key={i}>
                    {spec.columns.map((c) => (
                      <td
                        key={c.key}
                        data-label={c.label}
                        className={c.kind === "isk" || c.kind === "count" ? "num nowrap" : c.kind === "date" ? "nowrap" : undefined}
                      >
                        {cell(r[c.key], c.kind)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <OffsetPager label={`${spec.title} pages`} offset={offset} limit={limit} total={null} shown={rows.length} onOffset={setOffset} />
        </>
      )}
    </Card>
  );
}
