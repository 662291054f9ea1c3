import type { UseQueryResult } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { endpoints } from "../api/endpoints";
import type { Invitation, InvitationsResponse } from "../api/types";
import { useConfirm } from "../components/Dialog";
import { CategoryDialog, CreateGroupDialog, GroupCard } from "../components/groups";
import { Icon } from "../components/Icon";
import { useToast } from "../components/Toasts";
import {
  Alert,
  Button,
  ButtonLink,
  Card,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  TabNav,
  TextField,
  Time,
} from "../components/ui";
import { plural } from "../lib/format";
import { useDebounced, useReady, useTitle } from "../lib/hooks";
import { mutate, useApiQuery } from "../lib/query";
import { Link, navigate, setSearch, useLocation } from "../lib/router";
import { useAction } from "../lib/useAction";

type Tab = "browse" | "mine" | "invitations";

export function GroupsPage({ tab }: { tab: Tab }) {
  useTitle(tab === "browse" ? "Groups" : tab === "mine" ? "My groups" : "Invitations");
  const invitations = useApiQuery(endpoints.invitations);
  const inviteCount = invitations.data?.invitations.length ?? 0;

  return (
    <div className="page">
      <PageHeader title="Groups" subtitle="Find your people: corporations, fleets, squads and services." />
      <TabNav
        label="Groups"
        active={tab}
        tabs={[
          { key: "browse", to: "/groups", label: "Browse" },
          { key: "mine", to: "/groups/mine", label: "My groups" },
          { key: "invitations", to: "/groups/invitations", label: "Invitations", count: inviteCount },
        ]}
      />
      {tab === "browse" ? <Browse /> : tab === "mine" ? <Mine /> : <Invitations resource={invitations} />}
    </div>
  );
}

function Browse() {
  const location = useLocation();
  const q = location.search.get("q") ?? "";
  const category = location.search.get("category") ?? "";
  const [text, setText] = useState(q);
  const search = useDebounced(text.trim(), 300);
  const [creating, setCreating] = useState(false);
  const [creatingCategory, setCreatingCategory] = useState(false);
  const toast = useToast();

  useEffect(() => {
    if (search !== q) setSearch({ q: search }, { replace: true });
  }, [search, q]);

  const listing = useApiQuery(endpoints.categories, { query: { q } });
  useReady(!listing.isPending);

  const data = listing.data;
  const categories = data?.categories ?? [];
  const shown = categories.filter((c) => !category || c.id === category).filter((c) => !q || c.groups.length > 0);
  const siteAdmin = data?.is_site_admin ?? false;
  const canCreate = siteAdmin || categories.some((c) => c.permission === "anyone");

  return (
    <>
      <div className="toolbar" role="search">
        <div className="toolbar__search">
          <Icon name="search" />
          <TextField
            label="Search groups"
            type="search"
            placeholder="Name or description"
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        <div className="toolbar__filter">
          <label className="field__label" htmlFor="category-filter">
            Category
          </label>
          <select
            id="category-filter"
            className="input input--select"
            value={category}
            onChange={(e) => setSearch({ category: e.target.value })}
          >
            <option value="">All categories</option>
            {categories.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({c.groups.length})
              </option>
            ))}
          </select>
        </div>
        <div className="toolbar__actions">
          {siteAdmin ? (
            <Button icon="plus" onClick={() => setCreatingCategory(true)}>
              New category
            </Button>
          ) : null}
          {canCreate ? (
            <Button variant="primary" icon="plus" onClick={() => setCreating(true)}>
              New group
            </Button>
          ) : null}
        </div>
      </div>
      {listing.isFetching && data ? (
        <p className="muted small refreshing" role="status">
          Updating…
        </p>
      ) : null}
      {listing.isPending ? (
        <LoadingState label="Loading groups" rows={4} />
      ) : listing.error && !data ? (
        <ErrorState error={listing.error} onRetry={() => void listing.refetch()} />
      ) : categories.length === 0 ? (
        <EmptyState
          icon="users"
          title="No groups yet"
          action={
            siteAdmin ? (
              <Button variant="primary" icon="plus" onClick={() => setCreatingCategory(true)}>
                Create the first category
              </Button>
            ) : null
          }
        >
          {siteAdmin
            ? "Groups live in categories. Create a category, then the first groups in it."
            : "Nobody has created a group category yet. A site admin sets them up."}
        </EmptyState>
      ) : shown.length === 0 ? (
        <EmptyState
          icon="search"
          title={q ? `No groups match “${q}”` : "This category is empty"}
          action={
            q ? (
              <Button
                onClick={() => {
                  setText("");
                  setSearch({ q: null });
                }}
              >
                Clear search
              </Button>
            ) : null
          }
        >
          {q ? "Try another name, or browse every category." : "No groups have been created here yet."}
        </EmptyState>
      ) : (
        shown.map((c) => (
          <section className="category" key={c.id} aria-labelledby={`category-${c.id}`}>
            <div className="category__head">
              <h2 className="category__name" id={`category-${c.id}`}>
                {c.name}
              </h2>
              <span className="category__count">{plural(c.groups.length, "group")}</span>
            </div>
            {c.description ? <p className="category__description">{c.description}</p> : null}
            {c.groups.length === 0 ? (
              <p className="category__empty">
                No groups here yet.
                {siteAdmin || c.permission === "anyone" ? " Be the first to create one." : ""}
              </p>
            ) : (
              <div className="group-grid">
                {c.groups.map((g) => (
                  <GroupCard key={g.id} group={g} />
                ))}
              </div>
            )}
          </section>
        ))
      )}
      {creating ? (
        <CreateGroupDialog
          open
          onClose={() => setCreating(false)}
          categories={categories}
          siteAdmin={siteAdmin}
          defaultCategory={category}
        />
      ) : null}
      {creatingCategory ? (
        <CategoryDialog
          open
          onClose={() => setCreatingCategory(false)}
          onSaved={(saved) => {
            setCreatingCategory(false);
            toast({ kind: "success", title: `Category ${saved.name} was created` });
          }}
        />
      ) : null}
    </>
  );
}

function Mine() {
  const groups = useApiQuery(endpoints.groups, { query: { mine: true } });
  useReady(!groups.isPending);
  if (groups.isPending) return <LoadingState label="Loading your groups" />;
  if (!groups.data) return <ErrorState error={groups.error} onRetry={() => void groups.refetch()} />;
  const list = groups.data.groups;
  if (list.length === 0) {
    return (
      <EmptyState
        icon="users"
        title="You are not in any group yet"
        action={
          <ButtonLink to="/groups" variant="primary">
            Browse groups
          </ButtonLink>
        }
      >
        Join open groups at once, or ask to join the ones that need approval.
      </EmptyState>
    );
  }
  return (
    <div className="group-grid">
      {list.map((g) => (
        <GroupCard key={g.id} group={g} />
      ))}
    </div>
  );
}

function Invitations({ resource }: { resource: UseQueryResult<InvitationsResponse> }) {
  useReady(!resource.isPending);
  const confirm = useConfirm();
  const { busy, run } = useAction();

  const respond = async (invitation: Invitation, accept: boolean) => {
    if (!accept) {
      const ok = await confirm({
        title: `Decline the invitation to ${invitation.group_name}?`,
        message: <p>The group's admins would have to invite you again.</p>,
        confirmLabel: "Decline",
        danger: true,
      });
      if (!ok) return;
    }
    const params = { invitationId: invitation.id };
    await run(
      invitation.id,
      () => mutate(accept ? endpoints.acceptInvitation : endpoints.declineInvitation, { params }),
      {
        success: (outcome) =>
          accept
            ? {
                kind: "success",
                title: `You joined ${outcome.group_name}`,
                href: `/groups/${outcome.group_id}`,
                hrefLabel: "Open group",
              }
            : { kind: "info", title: `Invitation to ${invitation.group_name} declined` },
        failure: "That did not work",
      },
    );
  };

  return (
    <div className="two-col">
      <Card title="Invitations for you">
        {resource.isPending ? (
          <LoadingState label="Loading invitations" rows={2} />
        ) : !resource.data ? (
          <ErrorState error={resource.error} onRetry={() => void resource.refetch()} />
        ) : resource.data.invitations.length === 0 ? (
          <EmptyState icon="mail" title="No pending invitations">
            When a group's admins invite one of your characters, the invitation shows up here.
          </EmptyState>
        ) : (
          <ul className="row-list">
            {resource.data.invitations.map((i) => (
              <li className="row" key={i.id}>
                <div className="row__main">
                  <p className="row__title">
                    <Link to={`/groups/${i.group_id}`}>{i.group_name}</Link>
                  </p>
                  <p className="row__meta">
                    For {i.character_name ?? `#${i.character_id}`}
                    {i.invited_by_name ? ` · invited by ${i.invited_by_name}` : ""} · <Time ms={i.created_at_ms} />
                  </p>
                </div>
                <div className="row__actions">
                  <Button
                    size="sm"
                    variant="primary"
                    icon="check"
                    busy={busy === i.id}
                    disabled={busy !== null}
                    onClick={() => void respond(i, true)}
                    aria-label={`Accept invitation to ${i.group_name}`}
                  >
                    Accept
                  </Button>
                  <Button
                    size="sm"
                    variant="ghost"
                    disabled={busy !== null}
                    onClick={() => void respond(i, false)}
                    aria-label={`Decline invitation to ${i.group_name}`}
                  >
                    Decline
                  </Button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </Card>
      <RedeemCard />
    </div>
  );
}

const CODE_PATTERN = /^[A-Za-z0-9_-]+$/;

/** Checks an invite code typed or pasted by hand (a full invite link works too). */
export function parseInviteCode(input: string): { code: string | null; error: string | null } {
  let text = input.trim();
  // An invite link: `/invite#<code>`, or the older `/invite/<code>`.
  const link = /\/invite(?:#|\/)([^/?#\s]+)/.exec(text);
  if (link) text = decodeURIComponent(link[1]!);
  if (!text) return { code: null, error: "Enter the invite code you were given." };
  if (!CODE_PATTERN.test(text)) {
    return { code: null, error: "Invite codes use letters, digits, - and _ only." };
  }
  if (text.length < 6) return { code: null, error: "That code is too short." };
  return { code: text, error: null };
}

function RedeemCard() {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const { busy, error: serverError, setError: setServerError, run } = useAction<"redeem">();

  const submit = async () => {
    const { code, error } = parseInviteCode(text);
    setError(error);
    if (!code) {
      setServerError(null);
      return;
    }
    await run(
      "redeem",
      async () => {
        const outcome = await mutate(endpoints.redeemCode, { body: { code } });
        navigate(`/groups/${outcome.group_id}`);
        return outcome;
      },
      { success: (outcome) => `You joined ${outcome.group_name}` },
    );
  };

  return (
    <Card title="Redeem an invite code">
      <form
        className="stack"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <p className="muted">Got a code or an invite link from a group admin? Paste it here to join.</p>
        {serverError ? <Alert title="The code did not work">{serverError}</Alert> : null}
        <TextField
          label="Invite code"
          value={text}
          onChange={(e) => setText(e.target.value)}
          error={error}
          autoComplete="off"
          spellCheck={false}
          placeholder="e.g. kX3v…"
        />
        <div>
          <Button type="submit" variant="primary" icon="ticket" busy={busy === "redeem"} busyLabel="Redeeming…">
            Redeem code
          </Button>
        </div>
      </form>
    </Card>
  );
}
