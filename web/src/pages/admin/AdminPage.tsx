// Site administration (site admins only): users and their sessions, the audit log, and group
// categories. Loaded on demand.

import { useEffect, useState } from "react";
import { ApiError } from "../../api/client";
import { endpoints } from "../../api/endpoints";
import type { Category, Disabled, SessionView } from "../../api/types";
import { useConfirm } from "../../components/Dialog";
import { CategoryDialog } from "../../components/groups";
import { Icon } from "../../components/Icon";
import { useToast } from "../../components/Toasts";
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
  TabNav,
  TextField,
  Time,
} from "../../components/ui";
import { describeUserAgent, formatDateTime, humanize, plural, shortId } from "../../lib/format";
import { useReady, useTitle } from "../../lib/hooks";
import { mutate, useApiInfiniteQuery, useApiQuery } from "../../lib/query";
import { Link, setSearch, useLocation } from "../../lib/router";
import { useMe } from "../../lib/session";
import { useAction } from "../../lib/useAction";
import { DiscordAdmin } from "./DiscordAdmin";
import "../../styles/admin.css";

export default function AdminPage({ section, id }: { section: string; id?: string }) {
  const me = useMe();
  useTitle(
    section === "audit"
      ? "Audit log"
      : section === "categories"
        ? "Categories"
        : section === "discord"
          ? "Discord servers"
          : "Users",
  );
  if (!me.is_admin) {
    return (
      <div className="page">
        <PageHeader title="Site admin" />
        <AdminReady />
        <EmptyState icon="shield" title="Site admins only">
          This area is for the hub's site admins.
        </EmptyState>
      </div>
    );
  }
  const active = ["users", "audit", "categories", "discord"].includes(section) ? section : "users";
  return (
    <div className="page">
      <PageHeader title="Site admin" subtitle="Users, sessions, the audit log, group categories and Discord servers." />
      <TabNav
        label="Site admin"
        active={active}
        tabs={[
          { key: "users", to: "/admin/users", label: "Users" },
          { key: "audit", to: "/admin/audit", label: "Audit log" },
          { key: "categories", to: "/admin/categories", label: "Categories" },
          { key: "discord", to: "/admin/discord", label: "Discord" },
        ]}
      />
      {active === "users" ? id ? <UserDetail id={id} /> : <Users /> : null}
      {active === "audit" ? <Audit /> : null}
      {active === "categories" ? <Categories /> : null}
      {active === "discord" ? <DiscordAdmin /> : null}
    </div>
  );
}

function AdminReady() {
  useReady(true);
  return null;
}

const USERS_PAGE = 50;

function Users() {
  const offset = Math.max(0, Number(useLocation().search.get("offset") ?? 0) || 0);
  const users = useApiQuery(endpoints.adminUsers, { query: { limit: USERS_PAGE, offset } });
  useReady(!users.isPending);
  const list = users.data?.users ?? [];
  return (
    <Card title="Users">
      {users.isPending ? (
        <LoadingState label="Loading users" />
      ) : !users.data ? (
        <ErrorState error={users.error} onRetry={() => void users.refetch()} />
      ) : list.length === 0 ? (
        <EmptyState icon="users" title={offset > 0 ? "No more users" : "No users yet"} />
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table--stack">
              <caption className="visually-hidden">Users, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Primary character</th>
                  <th scope="col">Characters</th>
                  <th scope="col">Joined</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((u) => (
                  <tr key={u.id}>
                    <td data-label="Pilot">
                      <span className="table__who">
                        <Portrait id={u.primary_character_id} name={u.primary_character_name} size={32} />
                        <Link to={`/admin/users/${u.id}`}>{u.primary_character_name ?? `User ${shortId(u.id)}`}</Link>
                        {u.is_site_admin ? <Badge tone="gold">Site admin</Badge> : null}
                        {u.disabled ? <Badge tone="danger">Disabled</Badge> : null}
                      </span>
                    </td>
                    <td data-label="Characters">{u.character_count}</td>
                    <td data-label="Joined">
                      <time dateTime={new Date(u.created_at_ms).toISOString()}>{formatDateTime(u.created_at_ms)}</time>
                    </td>
                    <td className="table__actions" data-label="">
                      <Link to={`/admin/audit?user_id=${u.id}`}>Audit</Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="pager">
            <Button
              size="sm"
              icon="back"
              disabled={offset === 0}
              onClick={() => setSearch({ offset: offset - USERS_PAGE > 0 ? String(offset - USERS_PAGE) : null })}
            >
              Newer
            </Button>
            <span className="muted small">
              {offset + 1}–{offset + list.length}
            </span>
            <Button
              size="sm"
              disabled={list.length < USERS_PAGE}
              onClick={() => setSearch({ offset: String(offset + USERS_PAGE) })}
            >
              Older
            </Button>
          </div>
        </>
      )}
    </Card>
  );
}

/** The account's site-admin right and its ban: each change audited, the last admin kept. */
function AccountRights({
  userId,
  who,
  isAdmin,
  disabled,
  isMe,
}: {
  userId: string;
  who: string;
  isAdmin: boolean;
  disabled: Disabled | null;
  isMe: boolean;
}) {
  const confirm = useConfirm();
  const { busy, run } = useAction<"admin" | "ban">();
  const [reason, setReason] = useState("");
  const [reasonError, setReasonError] = useState<string | null>(null);
  const params = { userId };
  const failure = "That did not work";

  const toggleAdmin = async () => {
    const ok = await confirm({
      title: isAdmin ? `Revoke ${who}'s site admin right?` : `Make ${who} a site admin?`,
      message: isAdmin ? (
        <p>They lose the admin pages at once. The last site admin cannot lose the right.</p>
      ) : (
        <p>Site admins see every user, the audit log and every corporation, and can ban users.</p>
      ),
      confirmLabel: isAdmin ? "Revoke site admin" : "Grant site admin",
      danger: isAdmin,
    });
    if (!ok) return;
    await run("admin", () => mutate(isAdmin ? endpoints.revokeSiteAdmin : endpoints.grantSiteAdmin, { params }), {
      success: isAdmin ? `${who} is no longer a site admin` : `${who} is a site admin`,
      failure,
    });
  };
  const ban = async () => {
    if (!reason.trim()) {
      setReasonError("Say why: the reason is kept in the audit log.");
      return;
    }
    setReasonError(null);
    const ok = await confirm({
      title: `Disable ${who}'s account?`,
      message: (
        <p>
          Every session ends at once, logins of their characters are refused, and their group memberships count for
          nothing until you lift the ban.
        </p>
      ),
      confirmLabel: "Disable account",
      danger: true,
    });
    if (!ok) return;
    await run("ban", () => mutate(endpoints.ban, { params, body: { reason: reason.trim() } }), {
      success: `${who}'s account is disabled`,
      failure,
    });
    setReason("");
  };
  const lift = () =>
    run("ban", () => mutate(endpoints.liftBan, { params }), { success: `${who} may log in again`, failure });

  return (
    <Card title="Account">
      <div className="stack">
        <p>
          {isAdmin ? <Badge tone="gold">Site admin</Badge> : <Badge>Not a site admin</Badge>}{" "}
          {disabled ? <Badge tone="danger">Disabled</Badge> : <Badge tone="success">Active</Badge>}
        </p>
        {disabled ? (
          <Alert kind="warning" title={`Disabled ${formatDateTime(disabled.at_ms)}`}>
            Reason: {disabled.reason}
          </Alert>
        ) : null}
        <div>
          <Button size="sm" onClick={() => void toggleAdmin()} busy={busy === "admin"} busyLabel="Saving…" disabled={busy !== null || disabled !== null}>
            {isAdmin ? "Revoke site admin" : "Grant site admin"}
          </Button>
        </div>
        {disabled ? (
          <div>
            <Button size="sm" variant="primary" onClick={() => void lift()} busy={busy === "ban"} busyLabel="Lifting…" disabled={busy !== null}>
              Lift the ban
            </Button>
          </div>
        ) : isMe || isAdmin ? (
          <p className="muted small">
            {isMe ? "You cannot disable your own account." : "Revoke the site admin right before disabling this account."}
          </p>
        ) : (
          <form
            className="stack"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              void ban();
            }}
          >
            <TextField
              label="Reason for disabling"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              error={reasonError}
              maxLength={500}
            />
            <div>
              <Button type="submit" size="sm" variant="danger" busy={busy === "ban"} busyLabel="Disabling…" disabled={busy !== null}>
                Disable account
              </Button>
            </div>
          </form>
        )}
      </div>
    </Card>
  );
}

function UserDetail({ id }: { id: string }) {
  const me = useMe();
  const detail = useApiQuery(endpoints.adminUser, { params: { userId: id } });
  useReady(!detail.isPending);
  const confirm = useConfirm();
  const { busy: ending, run } = useAction();

  if (detail.isPending) return <LoadingState label="Loading user" />;
  if (!detail.data) {
    return (
      <>
        <ErrorState
          error={detail.error}
          title={detail.error instanceof ApiError && detail.error.status === 404 ? "No such user" : undefined}
          onRetry={() => void detail.refetch()}
        />
        <ButtonLink to="/admin/users" icon="back">
          All users
        </ButtonLink>
      </>
    );
  }
  const { user, sessions } = detail.data;
  const primary = user.characters.find((c) => c.is_primary) ?? user.characters[0];
  const who = primary?.name ?? `User ${shortId(user.id)}`;

  const end = async (s: SessionView) => {
    const ok = await confirm({
      title: "End this session?",
      message: (
        <p>
          {primary?.name ?? "The user"} is logged out of {describeUserAgent(s.user_agent)}
          {s.ip ? ` (${s.ip})` : ""} at once. The audit log records that you did it.
        </p>
      ),
      confirmLabel: "End session",
      danger: true,
    });
    if (!ok) return;
    await run(s.id, () => mutate(endpoints.adminEndSession, { params: { sessionId: s.id } }), {
      success: "Session ended",
      failure: "The session was not ended",
    });
  };

  return (
    <div className="stack-lg">
      <Link className="back-link" to="/admin/users">
        <Icon name="back" size={16} /> All users
      </Link>
      <div className="two-col">
        <Card title={primary?.name ?? `User ${shortId(user.id)}`}>
          <p className="muted small">
            User id <code className="code">{user.id}</code>
          </p>
          <ul className="row-list">
            {user.characters.map((c) => (
              <li className="row" key={c.id}>
                <Portrait id={c.id} name={c.name} size={40} />
                <div className="row__main">
                  <p className="row__title">
                    {c.name} {c.is_primary ? <Badge tone="gold">Primary</Badge> : null}
                  </p>
                  <p className="row__meta">
                    #{c.id} · {plural(c.scopes.length, "scope")}
                  </p>
                </div>
              </li>
            ))}
          </ul>
          <ButtonLink to={`/admin/audit?user_id=${user.id}`} size="sm" icon="list">
            Audit log for this user
          </ButtonLink>
        </Card>
        <AccountRights
          userId={user.id}
          who={who}
          isAdmin={user.is_site_admin}
          disabled={user.disabled}
          isMe={user.id === me.user.id}
        />
        <Card
          title={
            <>
              Live sessions <span className="card__count">{sessions.length}</span>
            </>
          }
        >
          {sessions.length === 0 ? (
            <EmptyState icon="monitor" title="No live sessions">
              This user is not logged in anywhere.
            </EmptyState>
          ) : (
            <ul className="row-list">
              {sessions.map((s) => (
                <li className="row" key={s.id}>
                  <span className="row__icon">
                    <Icon name="monitor" />
                  </span>
                  <div className="row__main">
                    <p className="row__title">{describeUserAgent(s.user_agent)}</p>
                    <p className="row__meta">
                      {s.ip ?? "Unknown address"} · active <Time ms={s.last_seen_at_ms} /> · expires{" "}
                      <Time ms={s.expires_at_ms} />
                    </p>
                  </div>
                  <div className="row__actions">
                    <Button
                      size="sm"
                      variant="danger"
                      busy={ending === s.id}
                      busyLabel="Ending…"
                      disabled={ending !== null}
                      onClick={() => void end(s)}
                    >
                      End session
                    </Button>
                  </div>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
    </div>
  );
}

const ACTION_TONES: Record<string, "success" | "warning" | "danger" | "accent" | "neutral"> = {
  login: "success",
  login_failed: "danger",
  character_linked: "accent",
  character_unlinked: "warning",
  character_transferred: "warning",
  session_ended: "warning",
  admin_action: "danger",
  logout: "neutral",
  primary_character_set: "neutral",
  login_refused: "danger",
  scopes_granted: "accent",
  site_admin_granted: "warning",
  site_admin_revoked: "warning",
  site_admin_refused: "danger",
  user_disabled: "danger",
  user_enabled: "success",
  corporation_registered: "accent",
  corporation_updated: "neutral",
  corporation_unregistered: "warning",
  director_registered: "accent",
  director_removed: "warning",
};

function Audit() {
  const location = useLocation();
  const userId = location.search.get("user_id") ?? "";
  const [filter, setFilter] = useState(userId);
  const [filterError, setFilterError] = useState<string | null>(null);
  useEffect(() => setFilter(userId), [userId]);
  const pages = useApiInfiniteQuery(
    endpoints.audit,
    { query: { limit: 50, user_id: userId } },
    "before_id",
    (last) => last.next_before_id,
  );
  useReady(!pages.isPending);
  // Names for the user ids in the log: the newest 200 users (older ones show their short id).
  const users = useApiQuery(endpoints.adminUsers, { query: { limit: 200 } });
  const names = new Map(
    (users.data?.users ?? []).map((u) => [u.id, u.primary_character_name ?? shortId(u.id)] as const),
  );
  const { busy, error: moreError, run } = useAction<"more">();
  const entries = pages.data?.pages.flatMap((page) => page.entries) ?? [];

  const loadMore = () =>
    run("more", async () => {
      const result = await pages.fetchNextPage();
      if (result.error) throw result.error;
    });

  const applyFilter = () => {
    const text = filter.trim();
    if (text && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) {
      setFilterError("A user id looks like 0f8e…-…: copy it from the user's page.");
      return;
    }
    setFilterError(null);
    setSearch({ user_id: text || null });
  };

  return (
    <Card title="Audit log">
      <form
        className="toolbar toolbar--compact"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          applyFilter();
        }}
      >
        <TextField
          label="Filter by user id"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          error={filterError}
          placeholder="All users"
          autoComplete="off"
          spellCheck={false}
        />
        <div className="toolbar__actions">
          <Button type="submit" icon="search">
            Filter
          </Button>
          {userId ? (
            <Button
              variant="ghost"
              onClick={() => {
                setFilter("");
                setSearch({ user_id: null });
              }}
            >
              Clear
            </Button>
          ) : null}
        </div>
      </form>
      {pages.isPending ? (
        <LoadingState label="Loading the audit log" />
      ) : !pages.data ? (
        <ErrorState error={pages.error} onRetry={() => void pages.refetch()} />
      ) : entries.length === 0 ? (
        <EmptyState icon="list" title="No audit entries">
          {userId ? "Nothing recorded for this user." : "Logins, links and session changes are recorded here."}
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table--stack" data-testid="audit-table">
              <caption className="visually-hidden">Audit entries, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">User</th>
                  <th scope="col">Character</th>
                  <th scope="col">Details</th>
                  <th scope="col">Address</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id}>
                    <td className="nowrap" data-label="When">
                      <time dateTime={new Date(e.at_ms).toISOString()}>{formatDateTime(e.at_ms)}</time>
                    </td>
                    <td data-label="Action">
                      <Badge tone={ACTION_TONES[e.action] ?? "neutral"}>{humanize(e.action)}</Badge>
                    </td>
                    <td data-label="User">
                      {e.user_id ? <UserLink id={e.user_id} names={names} /> : "—"}
                      {e.actor_user_id && e.actor_user_id !== e.user_id ? (
                        <span className="muted small">
                          {" "}
                          by <UserLink id={e.actor_user_id} names={names} />
                        </span>
                      ) : null}
                    </td>
                    <td data-label="Character">{e.character_id ? `#${e.character_id}` : "—"}</td>
                    <td className="table__detail" data-label="Details">
                      <DetailText detail={e.detail} />
                    </td>
                    <td className="nowrap" data-label="Address">
                      {e.ip ?? "—"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {moreError ? <Alert>{moreError}</Alert> : null}
          {pages.hasNextPage ? (
            <div className="list-more">
              <Button onClick={loadMore} busy={busy === "more"} busyLabel="Loading…">
                Load older entries
              </Button>
            </div>
          ) : null}
        </>
      )}
    </Card>
  );
}

function UserLink({ id, names }: { id: string; names: Map<string, string> }) {
  return (
    <Link to={`/admin/users/${id}`} title={id}>
      {names.get(id) ?? shortId(id)}
    </Link>
  );
}

function DetailText({ detail }: { detail: unknown }) {
  if (detail === null || detail === undefined) return <>—</>;
  if (typeof detail !== "object") return <>{String(detail)}</>;
  const entries = Object.entries(detail as Record<string, unknown>);
  if (entries.length === 0) return <>—</>;
  return (
    <span className="kv">
      {entries.map(([k, v]) => (
        <span key={k} className="kv__item">
          <span className="kv__key">{humanize(k)}:</span> {typeof v === "object" ? JSON.stringify(v) : String(v)}
        </span>
      ))}
    </span>
  );
}

function Categories() {
  const listing = useApiQuery(endpoints.categories);
  useReady(!listing.isPending);
  const confirm = useConfirm();
  const toast = useToast();
  const [editing, setEditing] = useState<Category | null | "new">(null);
  const { busy, run } = useAction();

  const remove = async (c: Category) => {
    const ok = await confirm({
      title: `Delete the category ${c.name}?`,
      message: <p>Only empty categories can be deleted. This cannot be undone.</p>,
      confirmLabel: "Delete category",
      danger: true,
    });
    if (!ok) return;
    await run(c.id, () => mutate(endpoints.deleteCategory, { params: { categoryId: c.id } }), {
      success: `${c.name} was deleted`,
      failure: "The category was not deleted",
    });
  };

  const categories = listing.data?.categories ?? [];
  return (
    <Card
      title="Group categories"
      actions={
        <Button variant="primary" icon="plus" onClick={() => setEditing("new")}>
          New category
        </Button>
      }
    >
      {listing.isPending ? (
        <LoadingState label="Loading categories" />
      ) : !listing.data ? (
        <ErrorState error={listing.error} onRetry={() => void listing.refetch()} />
      ) : categories.length === 0 ? (
        <EmptyState icon="list" title="No categories yet">
          Groups live in categories. Create one to let pilots start groups.
        </EmptyState>
      ) : (
        <ul className="row-list">
          {categories.map((c) => (
            <li className="row" key={c.id}>
              <span className="row__icon">
                <Icon name="list" />
              </span>
              <div className="row__main">
                <p className="row__title">
                  {c.name}{" "}
                  <Badge tone={c.permission === "anyone" ? "neutral" : "warning"}>
                    {c.permission === "anyone" ? "Anyone creates groups" : "Admins create groups"}
                  </Badge>
                </p>
                <p className="row__meta">
                  {plural(c.group_count, "group")}
                  {c.description ? ` · ${c.description}` : ""}
                </p>
              </div>
              <div className="row__actions">
                <Button size="sm" onClick={() => setEditing(c)} aria-label={`Edit ${c.name}`}>
                  Edit
                </Button>
                <Button
                  size="sm"
                  variant="ghost"
                  className="btn--danger-text"
                  busy={busy === c.id}
                  disabled={busy !== null || c.group_count > 0}
                  title={c.group_count > 0 ? "Delete or move its groups first" : undefined}
                  onClick={() => void remove(c)}
                  aria-label={`Delete ${c.name}`}
                >
                  Delete
                </Button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {editing ? (
        <CategoryDialog
          open
          category={editing === "new" ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(saved) => {
            setEditing(null);
            toast({ kind: "success", title: `Category ${saved.name} saved` });
          }}
        />
      ) : null}
    </Card>
  );
}
