// Running a group (owner, group admins, site admins): members, admins, join requests,
// invitations, invite codes, affiliation rules, the membership log, announcements and settings.
// Loaded on demand: players who never run a group never download it.

import { useState, type ReactNode } from "react";
import { api, ApiError, errorMessage } from "../../api/client";
import type {
  AddRuleResponse,
  AffiliationRule,
  AnnouncementBody,
  AnnouncementResponse,
  GroupDetail,
  GroupPatch,
  Invitation,
  InviteBody,
  InviteCode,
  JoinMode,
  JoinRequest,
  Member,
  MembershipLogPage,
  NewInviteCode,
  NewRule,
  UserBody,
  Visibility,
} from "../../api/types";
import { Dialog, useConfirm } from "../../components/Dialog";
import { JOIN_MODES, LoadMore, useMembers, VISIBILITIES, type MembersList } from "../../components/groups";
import { Icon } from "../../components/Icon";
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
  RadioCards,
  SelectField,
  TabNav,
  TextArea,
  TextField,
  Time,
} from "../../components/ui";
import { formatDateTime, humanize, plural, shortId } from "../../lib/format";
import { useReady, useTitle } from "../../lib/hooks";
import { notificationData, useNotificationEffect } from "../../lib/notifications";
import { navigate } from "../../lib/router";
import { isFirstLoad, useResource, type Resource } from "../../lib/useResource";

const TABS = [
  { key: "members", label: "Members" },
  { key: "admins", label: "Admins" },
  { key: "requests", label: "Requests" },
  { key: "invitations", label: "Invitations" },
  { key: "codes", label: "Invite codes" },
  { key: "rules", label: "Rules" },
  { key: "log", label: "Log" },
  { key: "announce", label: "Announce" },
  { key: "settings", label: "Settings" },
] as const;

type TabKey = (typeof TABS)[number]["key"];

export default function GroupManagePage({ id, tab }: { id: string; tab: string }) {
  const detail = useResource((signal) => api.get<GroupDetail>(`/api/groups/${id}`, { signal }), [id]);
  const group = detail.data;
  useTitle(group ? `Manage ${group.name}` : "Manage group");
  useReady(!isFirstLoad(detail));
  useNotificationEffect((n) => {
    if (notificationData(n).group_id === id) detail.reload();
  });
  const active = (TABS.some((t) => t.key === tab) ? tab : "members") as TabKey;

  if (isFirstLoad(detail)) {
    return (
      <div className="page">
        <PageHeader title="Manage group" back={{ to: `/groups/${id}`, label: "Group" }} />
        <LoadingState label="Loading group" />
      </div>
    );
  }
  if (!group) {
    const missing = detail.error instanceof ApiError && detail.error.status === 404;
    return (
      <div className="page">
        <PageHeader title={missing ? "Group not found" : "Manage group"} back={{ to: "/groups", label: "Groups" }} />
        <ErrorState error={detail.error} onRetry={missing ? undefined : detail.reload} />
      </div>
    );
  }
  const manages = group.role === "owner" || group.role === "admin" || group.role === "site_admin";
  if (!manages) {
    return (
      <div className="page">
        <PageHeader title={`Manage ${group.name}`} back={{ to: `/groups/${id}`, label: group.name }} />
        <EmptyState icon="shield" title="Only the group's owner and admins manage it">
          Ask the owner{group.owner_name ? `, ${group.owner_name},` : ""} to make you an admin.
        </EmptyState>
      </div>
    );
  }
  const owner = group.role === "owner" || group.role === "site_admin";

  return (
    <div className="page">
      <PageHeader
        back={{ to: `/groups/${id}`, label: group.name }}
        title={`Manage ${group.name}`}
        subtitle={
          <>
            {plural(group.member_count, "member")} · You are{" "}
            {group.role === "site_admin" ? "a site admin" : `the ${group.role}`}
          </>
        }
      />
      <TabNav
        label="Group management"
        active={active}
        tabs={TABS.map((t) => ({
          key: t.key,
          to: `/groups/${id}/manage/${t.key}`,
          label: t.label,
          count: t.key === "requests" ? group.pending_requests : undefined,
        }))}
      />
      <div className="manage-panel">
        {active === "members" ? <MembersTab group={group} owner={owner} onChanged={detail.reload} /> : null}
        {active === "admins" ? <AdminsTab group={group} owner={owner} onChanged={detail.reload} /> : null}
        {active === "requests" ? <RequestsTab group={group} onChanged={detail.reload} /> : null}
        {active === "invitations" ? <InvitationsTab group={group} /> : null}
        {active === "codes" ? <CodesTab group={group} /> : null}
        {active === "rules" ? <RulesTab group={group} onChanged={detail.reload} /> : null}
        {active === "log" ? <LogTab group={group} /> : null}
        {active === "announce" ? <AnnounceTab group={group} /> : null}
        {active === "settings" ? <SettingsTab group={group} owner={owner} detail={detail} /> : null}
      </div>
    </div>
  );
}

function useAction() {
  const toast = useToast();
  const [busy, setBusy] = useState<string | null>(null);
  const run = async (key: string, work: () => Promise<void>, failure: string) => {
    setBusy(key);
    try {
      await work();
    } catch (e) {
      toast({ kind: "error", title: failure, body: errorMessage(e) });
    } finally {
      setBusy(null);
    }
  };
  return { busy, run, toast };
}

function roleBadge(role: Member["role"]) {
  if (role === "owner") return <Badge tone="gold">Owner</Badge>;
  if (role === "admin") return <Badge tone="accent">Admin</Badge>;
  return null;
}

function MemberRow({ member, children }: { member: Member; children?: ReactNode }) {
  return (
    <li className="row">
      <Portrait id={member.character_id} name={member.character_name} size={40} />
      <div className="row__main">
        <p className="row__title">
          {member.character_name ?? "Unknown pilot"} {roleBadge(member.role)}
        </p>
        <p className="row__meta">
          Joined <Time ms={member.joined_at_ms} /> · via {humanize(member.source).toLowerCase()}
        </p>
      </div>
      {children ? <div className="row__actions">{children}</div> : null}
    </li>
  );
}

function MemberRows({ members, render }: { members: MembersList; render: (m: Member) => ReactNode }) {
  if (members.firstLoad) return <LoadingState label="Loading members" />;
  if (members.error && members.list.length === 0) return <ErrorState error={members.error} onRetry={members.reload} />;
  if (members.list.length === 0) return <EmptyState icon="users" title="No members yet" />;
  return (
    <>
      <ul className="row-list">{members.list.map(render)}</ul>
      <LoadMore members={members} />
    </>
  );
}

function MembersTab({ group, owner, onChanged }: { group: GroupDetail; owner: boolean; onChanged: () => void }) {
  const members = useMembers(group.id, [group.member_count]);
  const confirm = useConfirm();
  const { busy, run, toast } = useAction();
  const name = (m: Member) => m.character_name ?? "this pilot";

  const remove = async (m: Member) => {
    const ok = await confirm({
      title: `Remove ${name(m)} from ${group.name}?`,
      message: <p>They lose what the group grants and are told they were removed.</p>,
      confirmLabel: "Remove member",
      danger: true,
    });
    if (!ok) return;
    await run(
      m.user_id,
      async () => {
        await api.del(`/api/groups/${group.id}/members/${m.user_id}`);
        members.update((l) => l.filter((x) => x.user_id !== m.user_id));
        toast({ kind: "success", title: `${name(m)} was removed` });
        onChanged();
      },
      "The member was not removed",
    );
  };

  const makeAdmin = (m: Member) =>
    run(
      m.user_id,
      async () => {
        await api.post(`/api/groups/${group.id}/admins`, { user_id: m.user_id } satisfies UserBody);
        members.update((l) => l.map((x) => (x.user_id === m.user_id ? { ...x, role: "admin" } : x)));
        toast({ kind: "success", title: `${name(m)} is now an admin` });
      },
      "The admin was not added",
    );

  return (
    <Card
      title={
        <>
          Members <span className="card__count">{members.total ?? group.member_count}</span>
        </>
      }
    >
      <MemberRows
        members={members}
        render={(m) => (
          <MemberRow key={m.user_id} member={m}>
            {owner && m.role === "member" ? (
              <Button
                size="sm"
                icon="shield"
                busy={busy === m.user_id}
                disabled={busy !== null}
                onClick={() => void makeAdmin(m)}
                aria-label={`Make admin: ${name(m)}`}
              >
                Make admin
              </Button>
            ) : null}
            {m.role !== "owner" && (owner || m.role === "member") ? (
              <Button
                size="sm"
                variant="ghost"
                className="btn--danger-text"
                icon="trash"
                disabled={busy !== null}
                onClick={() => void remove(m)}
                aria-label={`Remove: ${name(m)}`}
              >
                Remove
              </Button>
            ) : null}
          </MemberRow>
        )}
      />
    </Card>
  );
}

function AdminsTab({ group, owner, onChanged }: { group: GroupDetail; owner: boolean; onChanged: () => void }) {
  const members = useMembers(group.id, [group.member_count]);
  const confirm = useConfirm();
  const { busy, run, toast } = useAction();
  const [candidate, setCandidate] = useState("");
  const [candidateError, setCandidateError] = useState<string | null>(null);
  const staff = members.list.filter((m) => m.role === "owner" || m.role === "admin");
  const others = members.list.filter((m) => m.role === "member");
  const name = (m: Member) => m.character_name ?? "this pilot";

  const add = async () => {
    const m = others.find((x) => x.user_id === candidate);
    if (!m) {
      setCandidateError("Choose a member to make an admin.");
      return;
    }
    setCandidateError(null);
    await run(
      "add",
      async () => {
        await api.post(`/api/groups/${group.id}/admins`, { user_id: m.user_id } satisfies UserBody);
        members.update((l) => l.map((x) => (x.user_id === m.user_id ? { ...x, role: "admin" } : x)));
        setCandidate("");
        toast({ kind: "success", title: `${name(m)} is now an admin` });
      },
      "The admin was not added",
    );
  };

  const demote = async (m: Member) => {
    const ok = await confirm({
      title: `Remove ${name(m)} as admin?`,
      message: <p>They stay a member but can no longer run the group.</p>,
      confirmLabel: "Remove admin",
      danger: true,
    });
    if (!ok) return;
    await run(
      m.user_id,
      async () => {
        await api.del(`/api/groups/${group.id}/admins/${m.user_id}`);
        members.update((l) => l.map((x) => (x.user_id === m.user_id ? { ...x, role: "member" } : x)));
        toast({ kind: "success", title: `${name(m)} is no longer an admin` });
      },
      "The admin was not removed",
    );
  };

  const transfer = async (m: Member) => {
    const ok = await confirm({
      title: `Make ${name(m)} the owner of ${group.name}?`,
      message: <p>They take over the group. You stay on as an admin; only the new owner can undo this.</p>,
      confirmLabel: "Transfer ownership",
      danger: true,
    });
    if (!ok) return;
    await run(
      m.user_id,
      async () => {
        await api.post(`/api/groups/${group.id}/owner`, { user_id: m.user_id } satisfies UserBody);
        toast({ kind: "success", title: `${name(m)} now owns ${group.name}` });
        members.reload();
        onChanged();
      },
      "Ownership was not transferred",
    );
  };

  return (
    <div className="two-col">
      <Card title="Owner and admins">
        {members.firstLoad ? (
          <LoadingState label="Loading admins" rows={2} />
        ) : members.error && members.list.length === 0 ? (
          <ErrorState error={members.error} onRetry={members.reload} />
        ) : (
          <ul className="row-list">
            {staff.map((m) => (
              <MemberRow key={m.user_id} member={m}>
                {owner && m.role === "admin" ? (
                  <>
                    <Button
                      size="sm"
                      icon="star"
                      disabled={busy !== null}
                      onClick={() => void transfer(m)}
                      aria-label={`Make owner: ${name(m)}`}
                    >
                      Make owner
                    </Button>
                    <Button
                      size="sm"
                      variant="ghost"
                      className="btn--danger-text"
                      busy={busy === m.user_id}
                      disabled={busy !== null}
                      onClick={() => void demote(m)}
                      aria-label={`Remove admin: ${name(m)}`}
                    >
                      Remove admin
                    </Button>
                  </>
                ) : null}
              </MemberRow>
            ))}
          </ul>
        )}
        <p className="muted small">
          Admins handle requests, invitations, codes and rules. Only the owner adds or removes admins.
        </p>
      </Card>
      <Card title="Add an admin">
        {!owner ? (
          <p className="muted">Only the owner adds admins.</p>
        ) : others.length === 0 && !members.firstLoad ? (
          <EmptyState icon="users" title="No other members">
            Admins are chosen from the group's members.
          </EmptyState>
        ) : (
          <form
            className="stack"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              void add();
            }}
          >
            <SelectField
              label="Member"
              value={candidate}
              onChange={(e) => setCandidate(e.target.value)}
              error={candidateError}
              options={[
                { value: "", label: "Choose a member…" },
                ...others.map((m) => ({ value: m.user_id, label: m.character_name ?? shortId(m.user_id) })),
              ]}
            />
            <div>
              <Button type="submit" variant="primary" icon="shield" busy={busy === "add"} busyLabel="Adding…">
                Make admin
              </Button>
            </div>
          </form>
        )}
      </Card>
    </div>
  );
}

function RequestsTab({ group, onChanged }: { group: GroupDetail; onChanged: () => void }) {
  const requests = useResource(
    (signal) => api.get<{ requests: JoinRequest[] }>(`/api/groups/${group.id}/requests`, { signal }),
    [group.id, group.pending_requests],
  );
  const confirm = useConfirm();
  const { busy, run, toast } = useAction();

  const decide = async (r: JoinRequest, approve: boolean) => {
    const who = r.character_name ?? "this pilot";
    if (!approve) {
      const ok = await confirm({
        title: `Reject ${who}'s request?`,
        message: <p>They are told their request was declined and may ask again later.</p>,
        confirmLabel: "Reject request",
        danger: true,
      });
      if (!ok) return;
    }
    await run(
      r.id,
      async () => {
        await api.post(`/api/groups/${group.id}/requests/${r.id}/${approve ? "approve" : "reject"}`);
        requests.setData((d) => (d ? { requests: d.requests.filter((x) => x.id !== r.id) } : d));
        toast({
          kind: "success",
          title: approve ? `${who} joined ${group.name}` : `${who}'s request was rejected`,
        });
        onChanged();
      },
      approve ? "The request was not approved" : "The request was not rejected",
    );
  };

  return (
    <Card title="Pending requests">
      {isFirstLoad(requests) ? (
        <LoadingState label="Loading requests" rows={2} />
      ) : requests.error && !requests.data ? (
        <ErrorState error={requests.error} onRetry={requests.reload} />
      ) : requests.data!.requests.length === 0 ? (
        <EmptyState icon="inbox" title="No pending requests">
          {group.join_mode === "approval"
            ? "When pilots ask to join, their requests wait here. You get a notification for each."
            : "This group does not take requests: its join mode is not “Approval”."}
        </EmptyState>
      ) : (
        <ul className="row-list">
          {requests.data!.requests.map((r) => (
            <li className="row" key={r.id} data-testid="join-request">
              <Portrait id={null} name={r.character_name} size={40} />
              <div className="row__main">
                <p className="row__title">{r.character_name ?? "Unknown pilot"}</p>
                <p className="row__meta">
                  Asked <Time ms={r.created_at_ms} />
                </p>
                {r.message ? <blockquote className="quote">{r.message}</blockquote> : null}
              </div>
              <div className="row__actions">
                <Button
                  size="sm"
                  variant="primary"
                  icon="check"
                  busy={busy === r.id}
                  busyLabel="Approving…"
                  disabled={busy !== null}
                  onClick={() => void decide(r, true)}
                  aria-label={`Approve ${r.character_name ?? "request"}`}
                >
                  Approve
                </Button>
                <Button
                  size="sm"
                  variant="ghost"
                  className="btn--danger-text"
                  disabled={busy !== null}
                  onClick={() => void decide(r, false)}
                  aria-label={`Reject ${r.character_name ?? "request"}`}
                >
                  Reject
                </Button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function InvitationsTab({ group }: { group: GroupDetail }) {
  const invitations = useResource(
    (signal) => api.get<{ invitations: Invitation[] }>(`/api/groups/${group.id}/invitations`, { signal }),
    [group.id],
  );
  const confirm = useConfirm();
  const { busy, run, toast } = useAction();
  const [characterId, setCharacterId] = useState("");
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [serverError, setServerError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);

  const invite = async () => {
    const text = characterId.trim();
    if (!/^\d{1,12}$/.test(text) || Number(text) <= 0) {
      setFieldError("Enter the character's numeric EVE id, e.g. 90000003.");
      return;
    }
    setFieldError(null);
    setServerError(null);
    setSending(true);
    try {
      const created = await api.post<Invitation>(`/api/groups/${group.id}/invitations`, {
        character_id: Number(text),
      } satisfies InviteBody);
      invitations.setData((d) => (d ? { invitations: [created, ...d.invitations] } : d));
      setCharacterId("");
      toast({ kind: "success", title: `${created.character_name ?? `#${created.character_id}`} was invited` });
    } catch (e) {
      setServerError(errorMessage(e));
    } finally {
      setSending(false);
    }
  };

  const revoke = async (i: Invitation) => {
    const ok = await confirm({
      title: "Withdraw this invitation?",
      message: <p>{i.character_name ?? `#${i.character_id}`} can no longer accept it.</p>,
      confirmLabel: "Withdraw invitation",
      danger: true,
    });
    if (!ok) return;
    await run(
      i.id,
      async () => {
        await api.del(`/api/groups/${group.id}/invitations/${i.id}`);
        invitations.setData((d) => (d ? { invitations: d.invitations.filter((x) => x.id !== i.id) } : d));
        toast({ kind: "success", title: "Invitation withdrawn" });
      },
      "The invitation was not withdrawn",
    );
  };

  return (
    <div className="two-col">
      <Card title="Invite a pilot">
        {group.visibility === "system" ? (
          <p className="muted">System groups are managed by rules; invitations are off.</p>
        ) : (
          <form
            className="stack"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              void invite();
            }}
          >
            <p className="muted">The pilot must have logged in to the hub once. They get a notification.</p>
            {serverError ? <Alert title="The invitation was not sent">{serverError}</Alert> : null}
            <TextField
              label="Character id"
              inputMode="numeric"
              value={characterId}
              onChange={(e) => setCharacterId(e.target.value)}
              error={fieldError}
              hint="The number in the character's EVE profile link."
              autoComplete="off"
            />
            <div>
              <Button type="submit" variant="primary" icon="mail" busy={sending} busyLabel="Inviting…">
                Send invitation
              </Button>
            </div>
          </form>
        )}
      </Card>
      <Card title="Pending invitations">
        {isFirstLoad(invitations) ? (
          <LoadingState label="Loading invitations" rows={2} />
        ) : invitations.error && !invitations.data ? (
          <ErrorState error={invitations.error} onRetry={invitations.reload} />
        ) : invitations.data!.invitations.length === 0 ? (
          <EmptyState icon="mail" title="No pending invitations" />
        ) : (
          <ul className="row-list">
            {invitations.data!.invitations.map((i) => (
              <li className="row" key={i.id}>
                <Portrait id={i.character_id} name={i.character_name} size={40} />
                <div className="row__main">
                  <p className="row__title">{i.character_name ?? `#${i.character_id}`}</p>
                  <p className="row__meta">
                    Invited <Time ms={i.created_at_ms} />
                    {i.invited_by_name ? ` by ${i.invited_by_name}` : ""}
                  </p>
                </div>
                <div className="row__actions">
                  <Button
                    size="sm"
                    variant="ghost"
                    className="btn--danger-text"
                    busy={busy === i.id}
                    disabled={busy !== null}
                    onClick={() => void revoke(i)}
                  >
                    Withdraw
                  </Button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

const EXPIRY_CHOICES = [
  { value: "", label: "Never" },
  { value: "1", label: "1 hour" },
  { value: "24", label: "1 day" },
  { value: "168", label: "7 days" },
  { value: "720", label: "30 days" },
];

function CodesTab({ group }: { group: GroupDetail }) {
  const codes = useResource(
    (signal) => api.get<{ codes: InviteCode[] }>(`/api/groups/${group.id}/codes`, { signal }),
    [group.id],
  );
  const confirm = useConfirm();
  const { busy, run, toast } = useAction();
  const [maxUses, setMaxUses] = useState("");
  const [expires, setExpires] = useState("168");
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [serverError, setServerError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<InviteCode | null>(null);

  const create = async () => {
    const uses = maxUses.trim();
    if (uses && (!/^\d+$/.test(uses) || Number(uses) < 1 || Number(uses) > 100000)) {
      setFieldError("Use a whole number from 1 to 100000, or leave it empty for no limit.");
      return;
    }
    setFieldError(null);
    setServerError(null);
    setCreating(true);
    try {
      const code = await api.post<InviteCode>(`/api/groups/${group.id}/codes`, {
        max_uses: uses ? Number(uses) : null,
        expires_in_hours: expires ? Number(expires) : null,
      } satisfies NewInviteCode);
      setCreated(code);
      codes.setData((d) => (d ? { codes: [{ ...code, code: null }, ...d.codes] } : d));
      setMaxUses("");
    } catch (e) {
      setServerError(errorMessage(e));
    } finally {
      setCreating(false);
    }
  };

  const revoke = async (c: InviteCode) => {
    const ok = await confirm({
      title: `Revoke the code ${c.hint}…?`,
      message: <p>Nobody can join with it any more. Pilots who already joined stay members.</p>,
      confirmLabel: "Revoke code",
      danger: true,
    });
    if (!ok) return;
    await run(
      c.id,
      async () => {
        await api.del(`/api/groups/${group.id}/codes/${c.id}`);
        codes.setData((d) => (d ? { codes: d.codes.map((x) => (x.id === c.id ? { ...x, revoked: true } : x)) } : d));
        toast({ kind: "success", title: "Invite code revoked" });
      },
      "The code was not revoked",
    );
  };

  // The code in the fragment: browsers never send it, so no server log sees it.
  const link = created?.code ? `${window.location.origin}/invite#${created.code}` : "";
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      toast({ kind: "success", title: "Invite link copied" });
    } catch {
      toast({ kind: "error", title: "Copying failed", body: "Select the link and copy it by hand." });
    }
  };

  const now = Date.now();
  return (
    <div className="two-col">
      <Card title="Create an invite code">
        {group.visibility === "system" ? (
          <p className="muted">System groups are managed by rules; invite codes are off.</p>
        ) : (
          <form
            className="stack"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              void create();
            }}
          >
            <p className="muted">Anyone with the code joins {group.name} at once, whatever its join mode.</p>
            {serverError ? <Alert title="The code was not created">{serverError}</Alert> : null}
            <TextField
              label="Maximum uses"
              optional
              inputMode="numeric"
              value={maxUses}
              onChange={(e) => setMaxUses(e.target.value)}
              error={fieldError}
              hint="Empty: no limit."
              autoComplete="off"
            />
            <SelectField
              label="Expires after"
              value={expires}
              onChange={(e) => setExpires(e.target.value)}
              options={EXPIRY_CHOICES}
            />
            <div>
              <Button type="submit" variant="primary" icon="ticket" busy={creating} busyLabel="Creating…">
                Create code
              </Button>
            </div>
          </form>
        )}
        {created?.code ? (
          <div className="new-code" role="status" data-testid="new-code">
            <p className="new-code__title">
              <Icon name="check" /> Code created. Copy it now: it is shown only once.
            </p>
            <code className="code code--large" data-testid="new-code-value">
              {created.code}
            </code>
            <div className="new-code__link">
              <label className="field__label" htmlFor="invite-link">
                Invite link
              </label>
              <input id="invite-link" className="input" readOnly value={link} onFocus={(e) => e.target.select()} />
            </div>
            <Button size="sm" icon="copy" onClick={copy}>
              Copy link
            </Button>
          </div>
        ) : null}
      </Card>
      <Card title="Codes">
        {isFirstLoad(codes) ? (
          <LoadingState label="Loading codes" rows={2} />
        ) : codes.error && !codes.data ? (
          <ErrorState error={codes.error} onRetry={codes.reload} />
        ) : codes.data!.codes.length === 0 ? (
          <EmptyState icon="ticket" title="No invite codes yet" />
        ) : (
          <ul className="row-list">
            {codes.data!.codes.map((c) => {
              const expired = c.expires_at_ms !== null && c.expires_at_ms <= now;
              const usedUp = c.max_uses !== null && c.uses >= c.max_uses;
              return (
                <li className="row" key={c.id}>
                  <span className="row__icon">
                    <Icon name="ticket" />
                  </span>
                  <div className="row__main">
                    <p className="row__title">
                      <code className="code">{c.hint}…</code>{" "}
                      {c.revoked ? (
                        <Badge tone="danger">Revoked</Badge>
                      ) : expired ? (
                        <Badge tone="warning">Expired</Badge>
                      ) : usedUp ? (
                        <Badge tone="warning">Used up</Badge>
                      ) : (
                        <Badge tone="success">Active</Badge>
                      )}
                    </p>
                    <p className="row__meta">
                      {c.max_uses === null ? `${plural(c.uses, "use")}, no limit` : `${c.uses} of ${c.max_uses} uses`} ·{" "}
                      {c.expires_at_ms === null ? (
                        "never expires"
                      ) : (
                        <Time ms={c.expires_at_ms} prefix={expired ? "expired" : "expires"} />
                      )}{" "}
                      · created <Time ms={c.created_at_ms} />
                    </p>
                  </div>
                  {!c.revoked && !expired ? (
                    <div className="row__actions">
                      <Button
                        size="sm"
                        variant="ghost"
                        className="btn--danger-text"
                        busy={busy === c.id}
                        disabled={busy !== null}
                        onClick={() => void revoke(c)}
                        aria-label={`Revoke code ${c.hint}`}
                      >
                        Revoke
                      </Button>
                    </div>
                  ) : null}
                </li>
              );
            })}
          </ul>
        )}
      </Card>
    </div>
  );
}

function RulesTab({ group, onChanged }: { group: GroupDetail; onChanged: () => void }) {
  const rules = useResource(
    (signal) => api.get<{ rules: AffiliationRule[] }>(`/api/groups/${group.id}/rules`, { signal }),
    [group.id],
  );
  const confirm = useConfirm();
  const { busy, run, toast } = useAction();
  const [form, setForm] = useState<{ kind: NewRule["kind"]; entity: string; effect: NewRule["effect"] }>({
    kind: "corporation",
    entity: "",
    effect: "eligible",
  });
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [serverError, setServerError] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);

  const add = async () => {
    const text = form.entity.trim();
    if (!/^\d{1,12}$/.test(text) || Number(text) <= 0) {
      setFieldError(`Enter the ${form.kind}'s numeric EVE id.`);
      return;
    }
    setFieldError(null);
    setServerError(null);
    setAdding(true);
    try {
      const added = await api.post<AddRuleResponse>(`/api/groups/${group.id}/rules`, {
        kind: form.kind,
        entity_id: Number(text),
        effect: form.effect,
      } satisfies NewRule);
      rules.setData((d) => (d ? { rules: [...d.rules, added.rule] } : d));
      setForm({ ...form, entity: "" });
      toast({
        kind: "success",
        title: "Rule added",
        body: added.joined > 0 ? `${plural(added.joined, "pilot")} joined through it.` : undefined,
      });
      if (added.joined > 0) onChanged();
    } catch (e) {
      setServerError(errorMessage(e));
    } finally {
      setAdding(false);
    }
  };

  const remove = async (r: AffiliationRule) => {
    const ok = await confirm({
      title: "Remove this rule?",
      message: <p>Members who joined through it stay until the next affiliation check.</p>,
      confirmLabel: "Remove rule",
      danger: true,
    });
    if (!ok) return;
    await run(
      r.id,
      async () => {
        await api.del(`/api/groups/${group.id}/rules/${r.id}`);
        rules.setData((d) => (d ? { rules: d.rules.filter((x) => x.id !== r.id) } : d));
        toast({ kind: "success", title: "Rule removed" });
      },
      "The rule was not removed",
    );
  };

  return (
    <div className="two-col">
      <Card title="Affiliation rules">
        <p className="muted small">
          <strong>Eligible</strong> rules limit who may join to matching corporations or alliances.{" "}
          <strong>Auto-join</strong> rules add matching pilots on their own.
        </p>
        {isFirstLoad(rules) ? (
          <LoadingState label="Loading rules" rows={2} />
        ) : rules.error && !rules.data ? (
          <ErrorState error={rules.error} onRetry={rules.reload} />
        ) : rules.data!.rules.length === 0 ? (
          <EmptyState icon="list" title="No rules">
            Any pilot may join, following the group's join mode.
          </EmptyState>
        ) : (
          <ul className="row-list">
            {rules.data!.rules.map((r) => (
              <li className="row" key={r.id}>
                <span className="row__icon">
                  <Icon name="list" />
                </span>
                <div className="row__main">
                  <p className="row__title">
                    {humanize(r.kind)} #{r.entity_id}{" "}
                    <Badge tone={r.effect === "auto_join" ? "accent" : "neutral"}>
                      {r.effect === "auto_join" ? "Auto-join" : "Eligible"}
                    </Badge>
                  </p>
                </div>
                <div className="row__actions">
                  <Button
                    size="sm"
                    variant="ghost"
                    className="btn--danger-text"
                    busy={busy === r.id}
                    disabled={busy !== null}
                    onClick={() => void remove(r)}
                    aria-label={`Remove rule for ${r.kind} ${r.entity_id}`}
                  >
                    Remove
                  </Button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card title="Add a rule">
        <form
          className="stack"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void add();
          }}
        >
          {serverError ? <Alert title="The rule was not added">{serverError}</Alert> : null}
          <SelectField
            label="Match"
            value={form.kind}
            onChange={(e) => setForm({ ...form, kind: e.target.value as NewRule["kind"] })}
            options={[
              { value: "corporation", label: "Corporation" },
              { value: "alliance", label: "Alliance" },
            ]}
          />
          <TextField
            label={form.kind === "corporation" ? "Corporation id" : "Alliance id"}
            inputMode="numeric"
            value={form.entity}
            onChange={(e) => setForm({ ...form, entity: e.target.value })}
            error={fieldError}
            autoComplete="off"
          />
          <RadioCards
            legend="Effect"
            name="effect"
            value={form.effect}
            onChange={(effect) => setForm({ ...form, effect })}
            options={[
              {
                value: "eligible",
                label: "Eligible",
                description: "May join (others may not, once any eligible rule exists).",
              },
              { value: "auto_join", label: "Auto-join", description: "Joins matching pilots now and as they log in." },
            ]}
          />
          <div>
            <Button
              type="submit"
              variant="primary"
              icon="plus"
              busy={adding}
              busyLabel={form.effect === "auto_join" ? "Adding and joining pilots…" : "Adding…"}
            >
              Add rule
            </Button>
          </div>
        </form>
      </Card>
    </div>
  );
}

function LogTab({ group }: { group: GroupDetail }) {
  const first = useResource(
    (signal) => api.get<MembershipLogPage>(`/api/groups/${group.id}/log?limit=50`, { signal }),
    [group.id],
  );
  const members = useMembers(group.id);
  const [older, setOlder] = useState<MembershipLogPage["entries"]>([]);
  const [next, setNext] = useState<number | null | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const names = new Map(members.list.map((m) => [m.user_id, m.character_name ?? shortId(m.user_id)]));
  const who = (id: string | null) => (id ? (names.get(id) ?? `user ${shortId(id)}`) : "the system");
  const cursor = next === undefined ? (first.data?.next_before_id ?? null) : next;

  const loadMore = async () => {
    if (cursor === null) return;
    setLoading(true);
    setError(null);
    try {
      const page = await api.get<MembershipLogPage>(`/api/groups/${group.id}/log?limit=50&before_id=${cursor}`);
      setOlder((o) => [...o, ...page.entries]);
      setNext(page.next_before_id);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setLoading(false);
    }
  };

  const entries = [...(first.data?.entries ?? []), ...older];
  return (
    <Card title="Membership log">
      {isFirstLoad(first) ? (
        <LoadingState label="Loading the log" />
      ) : first.error && !first.data ? (
        <ErrorState error={first.error} onRetry={first.reload} />
      ) : entries.length === 0 ? (
        <EmptyState icon="list" title="Nothing logged yet" />
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table--stack">
              <caption className="visually-hidden">Membership changes, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">What</th>
                  <th scope="col">Pilot</th>
                  <th scope="col">By</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id}>
                    <td data-label="When">
                      <time dateTime={new Date(e.at_ms).toISOString()}>{formatDateTime(e.at_ms)}</time>
                    </td>
                    <td data-label="What">{humanize(e.action)}</td>
                    <td data-label="Pilot">{e.user_id ? who(e.user_id) : "—"}</td>
                    <td data-label="By">{who(e.actor_id)}</td>
                    <td data-label="Reason">{humanize(e.reason)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {error ? <Alert>{error}</Alert> : null}
          {cursor !== null ? (
            <div className="list-more">
              <Button onClick={loadMore} busy={loading} busyLabel="Loading…">
                Load older entries
              </Button>
            </div>
          ) : null}
        </>
      )}
    </Card>
  );
}

function AnnounceTab({ group }: { group: GroupDetail }) {
  const toast = useToast();
  const [message, setMessage] = useState("");
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [serverError, setServerError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [result, setResult] = useState<AnnouncementResponse | null>(null);

  const send = async () => {
    const text = message.trim();
    if (!text) {
      setFieldError("Write the announcement first.");
      return;
    }
    if (text.length > 500) {
      setFieldError("Announcements are at most 500 characters.");
      return;
    }
    setFieldError(null);
    setServerError(null);
    setResult(null);
    setSending(true);
    try {
      const sent = await api.post<AnnouncementResponse>(`/api/groups/${group.id}/announcements`, {
        message: text,
      } satisfies AnnouncementBody);
      setResult(sent);
      setMessage("");
      toast({ kind: "success", title: "Announcement sent", body: `Delivered to ${plural(sent.delivered, "member")}.` });
    } catch (e) {
      setServerError(errorMessage(e));
    } finally {
      setSending(false);
    }
  };

  return (
    <Card title="Announce to every member">
      <form
        className="stack"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <p className="muted">
          Every member of {group.name} ({plural(group.member_count, "member")}) gets it as a live notification.
        </p>
        {serverError ? <Alert title="The announcement was not sent">{serverError}</Alert> : null}
        {result ? (
          <Alert kind="success" title="Sent">
            {plural(result.members, "member")} addressed, {result.delivered} delivered.
          </Alert>
        ) : null}
        <TextArea
          label="Message"
          rows={4}
          value={message}
          maxLength={600}
          onChange={(e) => setMessage(e.target.value)}
          error={fieldError}
          hint={`${message.trim().length}/500 characters`}
        />
        {sending ? (
          <div className="progress">
            <progress aria-label="Sending the announcement" />
            <span>Sending to {plural(group.member_count, "member")}…</span>
          </div>
        ) : null}
        <div>
          <Button type="submit" variant="primary" icon="megaphone" busy={sending} busyLabel="Sending…">
            Send announcement
          </Button>
        </div>
      </form>
    </Card>
  );
}

function SettingsTab({ group, owner, detail }: { group: GroupDetail; owner: boolean; detail: Resource<GroupDetail> }) {
  const toast = useToast();
  const confirm = useConfirm();
  const [form, setForm] = useState({
    name: group.name,
    description: group.description,
    join_mode: group.join_mode as JoinMode,
    visibility: group.visibility as Visibility,
  });
  const [errors, setErrors] = useState<{ name?: string; description?: string }>({});
  const [serverError, setServerError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [typed, setTyped] = useState("");

  const save = async () => {
    const next: typeof errors = {};
    const name = form.name.trim();
    if (!name) next.name = "The group needs a name.";
    else if (name.length > 100) next.name = "Names are at most 100 characters.";
    if (form.description.length > 2000) next.description = "Descriptions are at most 2000 characters.";
    setErrors(next);
    if (Object.keys(next).length) return;
    // Only what changed is sent; `null` leaves a field as it is.
    const patch: GroupPatch = {
      name: name !== group.name ? name : null,
      description: form.description !== group.description ? form.description : null,
      join_mode: form.join_mode !== group.join_mode ? form.join_mode : null,
      visibility: form.visibility !== group.visibility ? form.visibility : null,
    };
    if (Object.values(patch).every((v) => v === null)) {
      toast({ kind: "info", title: "Nothing changed" });
      return;
    }
    if (patch.visibility === "hidden") {
      const ok = await confirm({
        title: "Hide this group?",
        message: <p>Only members will see it in listings. Invitations and codes still work.</p>,
        confirmLabel: "Hide group",
      });
      if (!ok) return;
    }
    setServerError(null);
    setSaving(true);
    try {
      const saved = await api.patch<GroupDetail>(`/api/groups/${group.id}`, patch);
      detail.setData(saved);
      toast({ kind: "success", title: "Settings saved" });
    } catch (e) {
      setServerError(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };

  const remove = async () => {
    setDeleting(true);
    try {
      await api.del(`/api/groups/${group.id}`);
      toast({ kind: "success", title: `${group.name} was deleted` });
      navigate("/groups", { replace: true });
    } catch (e) {
      toast({ kind: "error", title: "The group was not deleted", body: errorMessage(e) });
      setDeleting(false);
    }
  };

  return (
    <div className="stack-lg">
      <Card title="Group settings">
        <form
          className="stack"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          {serverError ? <Alert title="The settings were not saved">{serverError}</Alert> : null}
          <TextField
            label="Name"
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
            error={errors.name}
            maxLength={120}
            required
          />
          <TextArea
            label="Description"
            optional
            rows={4}
            value={form.description}
            onChange={(e) => setForm({ ...form, description: e.target.value })}
            error={errors.description}
          />
          <RadioCards
            legend="How pilots join"
            name="settings-join-mode"
            value={form.join_mode}
            onChange={(join_mode) => setForm({ ...form, join_mode })}
            options={JOIN_MODES}
          />
          <RadioCards
            legend="Visibility"
            name="settings-visibility"
            value={form.visibility}
            onChange={(visibility) => setForm({ ...form, visibility })}
            options={VISIBILITIES.map((v) => ({
              ...v,
              disabled:
                !owner ||
                (v.value === "system" && group.role !== "site_admin") ||
                (group.visibility === "system" && group.role !== "site_admin"),
            }))}
          />
          {!owner ? <p className="muted small">Only the owner changes the group's visibility.</p> : null}
          <div>
            <Button type="submit" variant="primary" busy={saving} busyLabel="Saving…">
              Save settings
            </Button>
          </div>
        </form>
      </Card>
      {owner ? (
        <Card title="Danger zone" className="card--danger">
          <div className="danger-row">
            <div>
              <p className="row__title">Delete this group</p>
              <p className="muted small">
                Every member is removed and told. The membership log is kept for site admins.
              </p>
            </div>
            <Button variant="danger" icon="trash" onClick={() => setConfirmDelete(true)}>
              Delete group
            </Button>
          </div>
        </Card>
      ) : null}
      {confirmDelete ? (
        <Dialog
          open
          size="sm"
          title={`Delete ${group.name}?`}
          description={<p>This cannot be undone. Type the group's name to confirm.</p>}
          onClose={() => setConfirmDelete(false)}
          onSubmit={() => {
            if (typed.trim() === group.name) void remove();
          }}
          footer={
            <>
              <Button onClick={() => setConfirmDelete(false)}>Cancel</Button>
              <Button
                type="submit"
                variant="danger"
                busy={deleting}
                busyLabel="Deleting…"
                disabled={typed.trim() !== group.name}
              >
                Delete group
              </Button>
            </>
          }
        >
          <TextField label="Group name" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
        </Dialog>
      ) : null}
    </div>
  );
}
