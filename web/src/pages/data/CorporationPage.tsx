// Corporations: the ones of the user's characters and the ones the hub serves, the recruiting
// ones, and, for a corporation's admins (its CEO, characters holding Director in it, site admins),
// its profile, directors, each dataset's sync status, "sync now", and the members, wallets,
// journal, assets, structures and orders the directors' tokens read.

import { useEffect, useRef, useState, type ReactNode } from "react";
import { ApiError, grantUrl, query } from "../../api/client";
import { endpoints } from "../../api/endpoints";
import type { CorporationResponse, CorporationSummary, Director, JsonValue, ManagedPatch } from "../../api/types";
import { BalanceChart, Isk, OffsetPager, pageLimit, parseId, statusInfo, SyncTable } from "../../components/data";
import { useConfirm } from "../../components/Dialog";
import {
  Alert,
  Badge,
  Button,
  ButtonLink,
  Card,
  CheckboxField,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  Portrait,
  SelectField,
  Spinner,
  TabNav,
  TextArea,
  TextField,
  Time,
} from "../../components/ui";
import { formatCount, formatDateTime, humanize, plural, sumIsk } from "../../lib/format";
import { useReady, useTitle } from "../../lib/hooks";
import { mutate, useApiQuery } from "../../lib/query";
import { Link, setSearch, useLocation } from "../../lib/router";
import { EveName, useNames, type IdKind, type NameState } from "../../lib/names";
import { useMe } from "../../lib/session";
import { useAction } from "../../lib/useAction";
import { NotFound } from "../NotFound";
import "../../styles/data.css";

/** `Blue Fleet [BLUE]`, or the id while ESI's name is not known. */
function corporationName(c: Pick<CorporationSummary, "corporation_id" | "name" | "ticker">): string {
  if (!c.name) return `Corporation #${c.corporation_id}`;
  return c.ticker ? `${c.name} [${c.ticker}]` : c.name;
}

function CorporationLogo({ id, name }: { id: number; name: string }) {
  return (
    <img
      className="corp-logo"
      src={`https://images.evetech.net/corporations/${id}/logo?size=64`}
      alt=""
      title={name}
      loading="lazy"
      width={48}
      height={48}
    />
  );
}

function ManagedBadges({ corp }: { corp: CorporationSummary }) {
  const m = corp.managed;
  return (
    <div className="corp-item__badges">
      {m ? <Badge tone="accent">Managed</Badge> : null}
      {m?.is_member ? <Badge tone="success">Member corporation</Badge> : null}
      {m?.is_alt ? <Badge>Alt corporation</Badge> : null}
      {m?.is_special ? <Badge>Special purpose</Badge> : null}
      {m?.is_recruiting ? <Badge tone="gold">Recruiting</Badge> : null}
      {corp.is_admin ? <Badge tone="warning">You administer it</Badge> : null}
    </div>
  );
}

function CorporationItem({ corp }: { corp: CorporationSummary }) {
  const name = corporationName(corp);
  return (
    <li className="corp-item" data-testid={`corporation-${corp.corporation_id}`}>
      <CorporationLogo id={corp.corporation_id} name={name} />
      <div className="corp-item__main">
        <p className="corp-item__name">
          {corp.is_admin ? <Link to={`/corporations/${corp.corporation_id}`}>{name}</Link> : name}
        </p>
        <p className="corp-item__meta">
          {corp.member_count !== null ? `${plural(corp.member_count, "member")}` : "Members unknown"}
          {corp.my_characters.length > 0 ? ` · your ${corp.my_characters.map((c) => c.name).join(", ")}` : ""}
        </p>
        {corp.managed?.short_description ? <p className="recruiting-text">{corp.managed.short_description}</p> : null}
        <ManagedBadges corp={corp} />
      </div>
      {corp.is_admin ? (
        <ButtonLink to={`/corporations/${corp.corporation_id}`} size="sm" icon="chevron">
          Open
        </ButtonLink>
      ) : null}
    </li>
  );
}

/** `/corporations`: your characters' corporations, the ones the hub serves, and the recruiting ones. */
export function CorporationsPage() {
  useTitle("Corporations");
  const list = useApiQuery(endpoints.corporations);
  const recruiting = useApiQuery(endpoints.recruiting);
  useReady(!list.isPending);
  const all = list.data?.corporations ?? [];
  const mine = all.filter((c) => c.my_characters.length > 0);
  const managed = all.filter((c) => c.managed && c.my_characters.length === 0);
  return (
    <div className="page">
      <PageHeader
        title="Corporations"
        subtitle="Rights here follow in-game roles: a corporation's CEO and Directors administer it."
      />
      {list.isPending ? (
        <LoadingState label="Loading corporations" />
      ) : !list.data ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <div className="stack-lg">
          <Card title="Your corporations">
            {mine.length === 0 ? (
              <EmptyState icon="users" title="No corporation known yet">
                Your characters' corporations appear here once their public information has synced.
              </EmptyState>
            ) : (
              <ul className="corp-list" data-testid="my-corporations">
                {mine.map((c) => (
                  <CorporationItem key={c.corporation_id} corp={c} />
                ))}
              </ul>
            )}
          </Card>
          <Card title="Recruiting">
            {recruiting.isPending ? (
              <LoadingState rows={1} label="Loading recruiting corporations" />
            ) : !recruiting.data ? (
              <ErrorState error={recruiting.error} onRetry={() => void recruiting.refetch()} />
            ) : recruiting.data.corporations.length === 0 ? (
              <EmptyState icon="users" title="Nobody is recruiting right now" />
            ) : (
              <ul className="corp-list" data-testid="recruiting-corporations">
                {recruiting.data.corporations.map((c) => (
                  <li key={c.corporation_id} className="corp-item">
                    <CorporationLogo id={c.corporation_id} name={corporationName(c)} />
                    <div className="corp-item__main">
                      <p className="corp-item__name">{corporationName(c)}</p>
                      {c.managed?.short_description ? (
                        <p className="corp-item__meta">{c.managed.short_description}</p>
                      ) : null}
                      {c.managed?.description ? <p className="recruiting-text">{c.managed.description}</p> : null}
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <Card title="Managed by the hub">
            {managed.length === 0 ? (
              <EmptyState icon="shield" title="No other managed corporation">
                Site admins register the corporations the hub serves; a Director's login registers theirs.
              </EmptyState>
            ) : (
              <ul className="corp-list" data-testid="managed-corporations">
                {managed.map((c) => (
                  <CorporationItem key={c.corporation_id} corp={c} />
                ))}
              </ul>
            )}
          </Card>
          {list.data.is_site_admin ? <RegisterCorporation known={list.data.known_unmanaged} /> : null}
        </div>
      )}
    </div>
  );
}

/** Site admins: the hub serves one more corporation (name and ticker come from ESI). */
function RegisterCorporation({ known }: { known: CorporationSummary[] }) {
  const [picked, setPicked] = useState(known[0] ? String(known[0].corporation_id) : "");
  const [typed, setTyped] = useState("");
  const [flags, setFlags] = useState({ is_member: true, is_alt: false, is_special: false, background_sync: true });
  const [error, setError] = useState<string | null>(null);
  const { busy, error: serverError, setError: setServerError, run } = useAction<"register">();
  const submit = async () => {
    const id = typed.trim()
      ? parseId(typed, "corporation id")
      : { value: picked || null, error: picked ? null : "Pick a corporation or enter its id." };
    setError(id.error);
    setServerError(null);
    if (!id.value) return;
    const corporationId = Number(id.value);
    await run(
      "register",
      async () => {
        const created = await mutate(endpoints.registerCorporation, {
          body: { corporation_id: corporationId, ...flags },
        });
        setTyped("");
        return created;
      },
      {
        success: (created) =>
          `${created ? corporationName(created) : `Corporation #${corporationId}`} is registered`,
      },
    );
  };
  return (
    <Card title="Register a corporation">
      <form
        className="stack"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <p className="muted">The hub serves the corporations registered here. Their name and ticker come from EVE.</p>
        {serverError ? (
          <Alert title="The corporation was not registered" onDismiss={() => setServerError(null)}>
            {serverError}
          </Alert>
        ) : null}
        <div className="toolbar">
          {known.length > 0 ? (
            <SelectField
              label="A corporation the hub knows"
              value={picked}
              onChange={(e) => setPicked(e.target.value)}
              options={known.map((c) => ({ value: String(c.corporation_id), label: corporationName(c) }))}
            />
          ) : null}
          <TextField
            label={known.length > 0 ? "Or its EVE id" : "Its EVE id"}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            error={error}
            inputMode="numeric"
            autoComplete="off"
            optional={known.length > 0}
          />
        </div>
        <div className="check-list">
          <CheckboxField label="Member corporation" checked={flags.is_member} onChange={(v) => setFlags({ ...flags, is_member: v })} />
          <CheckboxField label="Alt corporation" checked={flags.is_alt} onChange={(v) => setFlags({ ...flags, is_alt: v })} />
          <CheckboxField label="Special purpose" checked={flags.is_special} onChange={(v) => setFlags({ ...flags, is_special: v })} />
          <CheckboxField
            label="Sync in the background"
            hint="Its directors' tokens refresh its data on ESI's schedule."
            checked={flags.background_sync}
            onChange={(v) => setFlags({ ...flags, background_sync: v })}
          />
        </div>
        <div>
          <Button type="submit" variant="primary" icon="plus" busy={busy === "register"} busyLabel="Registering…">
            Register corporation
          </Button>
        </div>
      </form>
    </Card>
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
  const params = { corporationId: id };
  const corp = useApiQuery(endpoints.corporation, { params });
  const name = corp.data?.corporation ? corporationName(corp.data.corporation) : `Corporation #${id}`;
  useTitle(`${name}${tab !== "overview" ? ` · ${TAB_LABELS[tab as Tab] ?? ""}` : ""}`);
  const { busy, run } = useAction<"sync">();
  const syncing = busy === "sync";
  useReady(!corp.isPending);
  if (!/^\d{1,18}$/.test(id) || !(TABS as readonly string[]).includes(tab)) return <NotFound />;
  const base = `/corporations/${id}`;
  // Only its CEO, characters holding Director in it, and site admins administer a corporation.
  const denied = corp.error instanceof ApiError && corp.error.status === 403;

  const syncNow = () =>
    run("sync", () => mutate(endpoints.syncCorporation, { params }), {
      success: (report) => {
        const bad = report.datasets.filter((d) => statusInfo(d.status).tone === "danger");
        return {
          kind: bad.length ? "error" : "success",
          title: `${name}: sync finished`,
          body: bad.length
            ? `${plural(bad.length, "dataset")} failed: ${bad.map((d) => d.message ?? d.status).join("; ")}`
            : `${plural(report.datasets.length, "dataset")} synced.`,
        };
      },
      failure: "The corporation sync failed",
    });

  return (
    <div className="page">
      <PageHeader
        back={{ to: "/corporations", label: "Corporations" }}
        title={name}
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
      {corp.isPending ? (
        <LoadingState label="Loading the corporation" />
      ) : denied ? (
        <div className="data-grid">
          <Card className="data-grid__wide" title="Not a corporation admin">
            <Alert kind="info" title="Only its admins see this corporation">
              A corporation's data is for its CEO, the characters holding the Director role in it, and site admins.
              Rights follow the in-game roles the hub reads from EVE with each character's own login, so a role
              granted in game counts here after that character's next sync.
            </Alert>
          </Card>
        </div>
      ) : !corp.data ? (
        <ErrorState error={corp.error} onRetry={() => void corp.refetch()} />
      ) : (
        <>
          <TabNav
            label="Corporation data"
            active={tab}
            tabs={TABS.map((t) => ({ key: t, label: TAB_LABELS[t], to: t === "overview" ? base : `${base}/${t}` }))}
          />
          {tab === "overview" ? (
            <Overview corp={corp.data} />
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

function Overview({ corp }: { corp: CorporationResponse }) {
  const names = new Map(corp.directors.map((d) => [d.character_id, d.character_name ?? `#${d.character_id}`]));
  const directors = [...corp.directors].sort((a, b) => a.priority - b.priority);
  const unhealthy = directors.filter((d) => !d.healthy).length;
  return (
    <div className="data-grid">
      <Profile corp={corp} />
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
              <DirectorRow key={d.character_id} corporationId={corp.corporation_id} director={d} />
            ))}
          </ul>
        )}
        <AddDirector corporationId={corp.corporation_id} scopes={corp.director_scopes} />
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

/** The managed corporation's flags and texts: corporation admins edit the recruiting flag and the
 * texts, site admins everything. */
function Profile({ corp }: { corp: CorporationResponse }) {
  const managed = corp.corporation?.managed ?? null;
  const [form, setForm] = useState(() => ({
    is_recruiting: managed?.is_recruiting ?? false,
    short_description: managed?.short_description ?? "",
    description: managed?.description ?? "",
    is_member: managed?.is_member ?? false,
    is_alt: managed?.is_alt ?? false,
    is_special: managed?.is_special ?? false,
    background_sync: managed?.background_sync ?? true,
  }));
  const { busy, error, setError, run } = useAction<"save">();
  if (!managed) {
    return (
      <Card className="data-grid__wide" title="Profile">
        <EmptyState icon="shield" title="Not registered with the hub">
          The hub does not serve this corporation yet: a site admin registers it, or a Director's login does.
        </EmptyState>
      </Card>
    );
  }
  const save = () => {
    // Corporation admins change the recruiting flag and the texts; site admins also the rest.
    const patch: ManagedPatch = {
      is_recruiting: form.is_recruiting,
      short_description: form.short_description,
      description: form.description,
      ...(corp.is_site_admin
        ? {
            is_member: form.is_member,
            is_alt: form.is_alt,
            is_special: form.is_special,
            background_sync: form.background_sync,
          }
        : {}),
    };
    const params = { corporationId: corp.corporation_id };
    return run("save", () => mutate(endpoints.updateCorporation, { params, body: patch }), {
      success: "The corporation's profile is saved",
    });
  };
  return (
    <Card className="data-grid__wide" title="Profile">
      <form
        className="stack"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <p className="muted small">
          Registered {managed.registered_via === "director_login" ? "by a Director's login" : "by a site admin"}{" "}
          <Time ms={managed.created_at_ms} />.
        </p>
        {error ? (
          <Alert title="The profile was not saved" onDismiss={() => setError(null)}>
            {error}
          </Alert>
        ) : null}
        <CheckboxField
          label="Recruiting"
          hint="Member corporations that recruit are listed for every player to browse."
          checked={form.is_recruiting}
          onChange={(v) => setForm({ ...form, is_recruiting: v })}
        />
        <TextField
          label="Short description"
          value={form.short_description}
          onChange={(e) => setForm({ ...form, short_description: e.target.value })}
          maxLength={280}
          optional
        />
        <TextArea
          label="Full description"
          value={form.description}
          onChange={(e) => setForm({ ...form, description: e.target.value })}
          maxLength={5000}
          rows={4}
          optional
        />
        {corp.is_site_admin ? (
          <fieldset className="check-list">
            <legend className="field__label">Site admin settings</legend>
            <CheckboxField label="Member corporation" checked={form.is_member} onChange={(v) => setForm({ ...form, is_member: v })} />
            <CheckboxField label="Alt corporation" checked={form.is_alt} onChange={(v) => setForm({ ...form, is_alt: v })} />
            <CheckboxField label="Special purpose" checked={form.is_special} onChange={(v) => setForm({ ...form, is_special: v })} />
            <CheckboxField
              label="Sync in the background"
              checked={form.background_sync}
              onChange={(v) => setForm({ ...form, background_sync: v })}
            />
          </fieldset>
        ) : null}
        <div>
          <Button type="submit" variant="primary" icon="check" busy={busy === "save"} busyLabel="Saving…">
            Save profile
          </Button>
        </div>
      </form>
    </Card>
  );
}

function DirectorRow({ corporationId, director }: { corporationId: number; director: Director }) {
  const confirm = useConfirm();
  const { busy, run } = useAction<"remove">();
  const name = director.character_name ?? `Character #${director.character_id}`;
  const remove = async () => {
    const ok = await confirm({
      title: `Remove ${name} as a director?`,
      message: <p>The hub stops reading the corporation with this character's token.</p>,
      confirmLabel: "Remove director",
      danger: true,
    });
    if (!ok) return;
    await run(
      "remove",
      () => mutate(endpoints.removeDirector, { params: { corporationId, characterId: director.character_id } }),
      { success: `${name} is no longer a director here`, failure: "The director was not removed" },
    );
  };
  return (
    <li className="director" data-testid={`director-${director.character_id}`}>
      <Portrait id={director.character_id} name={name} size={48} />
      <div className="director__main">
        <div className="character__name-row">
          <h3 className="character__name">{name}</h3>
          {director.suspended ? (
            <Badge tone="warning">Suspended</Badge>
          ) : director.healthy ? (
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
        busy={busy === "remove"}
        busyLabel="Removing…"
        aria-label={`Remove director: ${name}`}
      >
        Remove
      </Button>
    </li>
  );
}

/**
 * Registers one of your characters in this corporation as a director. A character whose login lacks
 * the corporation scopes goes through the grant step first and comes back here, where the
 * registration continues.
 */
function AddDirector({ corporationId, scopes }: { corporationId: number; scopes: string[] }) {
  const me = useMe();
  const location = useLocation();
  const characters = me.user.characters
    .filter((c) => c.corporation_id === corporationId)
    .sort((a, b) => a.name.localeCompare(b.name));
  const [character, setCharacter] = useState(String(location.search.get("register") ?? characters[0]?.id ?? ""));
  const [priority, setPriority] = useState(location.search.get("priority") ?? "1");
  const [priorityError, setPriorityError] = useState<string | null>(null);
  const [needsGrant, setNeedsGrant] = useState(false);
  const { busy, error: serverError, setError: setServerError, run } = useAction<"register">();
  const resumed = useRef(false);

  const submit = async () => {
    const p = Number(priority);
    if (!/^\d+$/.test(priority.trim()) || p < 1 || p > 100) {
      setPriorityError("Use a whole number from 1 (tried first) to 100.");
      return;
    }
    setPriorityError(null);
    setNeedsGrant(false);
    const name = characters.find((c) => String(c.id) === character)?.name ?? `#${character}`;
    await run(
      "register",
      async () => {
        try {
          await mutate(endpoints.addDirector, {
            params: { corporationId },
            body: { character_id: Number(character), priority: p },
          });
          return true;
        } catch (e) {
          // Its login lacks the corporation scopes: the grant step, not an error.
          if (!(e instanceof ApiError && e.code === "missing_scopes")) throw e;
          setNeedsGrant(true);
          return false;
        }
      },
      { success: (added) => (added ? `${name} is registered as a director` : null) },
    );
  };

  // Back from the grant step: continue the registration once, and clean the URL.
  useEffect(() => {
    if (resumed.current || !location.search.get("register")) return;
    resumed.current = true;
    setSearch({ register: null, priority: null }, { replace: true });
    void submit();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  if (characters.length === 0) {
    return (
      <p className="muted small">
        None of your characters is in this corporation, so none can be registered as its director.
      </p>
    );
  }
  const grant = grantUrl(
    Number(character),
    "corporation_data",
    `/corporations/${corporationId}${query({ register: character, priority })}`,
  );
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
      <p className="scope-note">
        A director must hold the Director role in game (read from EVE when you register it), and its login must grant
        the corporation data: {scopes.map((s) => humanize(s.replace(/^esi-|\.v1$/g, "").replace(/[.-]/g, "_"))).join(", ")}.
      </p>
      {needsGrant ? (
        <Alert kind="info" title="Grant the corporation scopes first">
          This character's login does not allow reading the corporation's data yet.{" "}
          <a href={grant}>Grant corporation access</a>: at EVE SSO, choose the character and allow what the hub asks
          for; the registration continues when you come back.
        </Alert>
      ) : null}
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
          <Button type="submit" variant="primary" icon="plus" busy={busy === "register"} busyLabel="Registering…">
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
  const { offset, limit, setOffset } = useOffset(50);
  const members = useApiQuery(endpoints.corporationMembers, {
    params: { corporationId: id },
    query: { limit, offset },
  });
  const rows = members.data?.members ?? [];
  return (
    <Card
      title={
        <>
          Members {members.data ? <span className="card__count">{formatCount(members.data.total)}</span> : null}
        </>
      }
    >
      {members.isPending ? (
        <LoadingState label="Loading members" />
      ) : !members.data ? (
        <ErrorState error={members.error} onRetry={() => void members.refetch()} />
      ) : rows.length === 0 && offset === 0 ? (
        <EmptyState icon="users" title="No members synced yet">
          The member list arrives with the first successful sync through a director.
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table--stack" data-testid="corp-members">
              <caption className="visually-hidden">Members, most recently logged in first</caption>
              <thead>
                <tr>
                  <th scope="col">Character</th>
                  <th scope="col">On the hub</th>
                  <th scope="col">Joined</th>
                  <th scope="col">Last login</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((m) => (
                  <tr key={m.character_id}>
                    <td data-label="Character">
                      <span className="table__who">
                        <Portrait id={m.character_id} name={m.character_name ?? `#${m.character_id}`} size={32} />
                        {m.character_name ?? `#${m.character_id}`}
                      </span>
                    </td>
                    <td data-label="On the hub">
                      {m.has_account ? (
                        <>
                          <Badge tone="success">Yes</Badge>{" "}
                          {m.main_character_name && m.main_character_id !== m.character_id ? (
                            <span className="muted small">main {m.main_character_name}</span>
                          ) : null}
                        </>
                      ) : (
                        <Badge>No account</Badge>
                      )}
                    </td>
                    <td data-label="Joined" className="nowrap">
                      {m.joined_at_ms ? formatDateTime(m.joined_at_ms) : <span className="muted">—</span>}
                    </td>
                    <td data-label="Last login" className="nowrap">
                      {m.last_login_at_ms ? <Time ms={m.last_login_at_ms} /> : <span className="muted">—</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <OffsetPager
            label="Member pages"
            offset={offset}
            limit={limit}
            total={members.data.total}
            shown={rows.length}
            onOffset={setOffset}
          />
        </>
      )}
    </Card>
  );
}

type Row = { [key in string]?: JsonValue };

/** The rows that are JSON objects (all of them, as the API sends them). */
function objectRows(rows: JsonValue[] | undefined): Row[] {
  return (rows ?? []).filter((r): r is Row => typeof r === "object" && r !== null && !Array.isArray(r));
}

function useDataset(id: string, dataset: string, limit: number, offset: number) {
  return useApiQuery(endpoints.corporationData, { params: { corporationId: id, dataset }, query: { limit, offset } });
}

function Wallets({ id }: { id: string }) {
  const wallets = useDataset(id, "wallets", 10, 0);
  const history = useApiQuery(endpoints.corporationWalletHistory, { params: { corporationId: id } });
  const rows = objectRows(wallets.data?.rows);
  const charted = history.data?.divisions ?? [];
  return (
    <>
      <Card title="Wallet divisions">
        {wallets.isPending ? (
          <LoadingState label="Loading wallets" />
        ) : !wallets.data ? (
          <ErrorState error={wallets.error} onRetry={() => void wallets.refetch()} />
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
      {charted.length > 0 ? (
        <Card title="Balance over time">
          <div className="division-charts">
            {charted.map((d) => (
              <section key={d.division} aria-label={`Division ${d.division}`}>
                <h3 className="division-charts__title">Division {d.division}</h3>
                <BalanceChart points={d.points} label={`Division ${d.division} balance`} />
              </section>
            ))}
          </div>
        </Card>
      ) : null}
    </>
  );
}

interface Column {
  key: string;
  label: string;
  /** `type`, `location`, `system`: an id shown by its name. */
  kind?: "isk" | "date" | "id" | "count" | "bool" | "text" | "type" | "location" | "system";
}

const NAMED: Partial<Record<NonNullable<Column["kind"]>, IdKind>> = { type: "Type", location: "Location", system: "System" };

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
      { key: "type_id", label: "Item type", kind: "type" },
      { key: "quantity", label: "Quantity", kind: "count" },
      { key: "location_id", label: "Location", kind: "location" },
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
      { key: "type_id", label: "Type", kind: "type" },
      { key: "system_id", label: "System", kind: "system" },
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
      { key: "type_id", label: "Item type", kind: "type" },
      { key: "price", label: "Price", kind: "isk" },
      { key: "volume_remain", label: "Remaining", kind: "count" },
      { key: "location_id", label: "Location", kind: "location" },
      { key: "wallet_division", label: "Division", kind: "count" },
    ],
  },
};

function cell(value: JsonValue | undefined, kind: Column["kind"], names: (id: number) => NameState): ReactNode {
  if (value === null || value === undefined || value === "") return <span className="muted">—</span>;
  const named = kind ? NAMED[kind] : undefined;
  if (named && typeof value === "number") {
    return <EveName id={value} kind={named} state={names(value)} security={kind !== "type"} />;
  }
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
  const rows = objectRows(data.data?.rows);
  const names = useNames(
    rows.flatMap((r) => spec.columns.filter((c) => c.kind && NAMED[c.kind]).map((c) => r[c.key])).filter((v): v is number => typeof v === "number"),
  );
  return (
    <Card title={spec.title}>
      {data.isPending ? (
        <LoadingState label={`Loading ${spec.title.toLowerCase()}`} />
      ) : !data.data ? (
        <ErrorState error={data.error} onRetry={() => void data.refetch()} />
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
                        {cell(r[c.key], c.kind, names)}
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
