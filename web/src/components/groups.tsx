// Pieces shared by the group pages: badges, the join/request/leave actions, group cards, and the
// dialogs that create groups and categories.

import { useCallback, useEffect, useState } from "react";
import { api, errorMessage } from "../api/client";
import type {
  Category,
  CategoryPatch,
  CategoryPermission,
  GroupDetail,
  GroupView,
  JoinMode,
  JoinOutcome,
  JoinRequest,
  JoinRequestBody,
  Member,
  MembersPage,
  NewCategory,
  NewGroup,
  Visibility,
} from "../api/types";
import { plural } from "../lib/format";
import { Link, navigate } from "../lib/router";
import { Dialog, useConfirm } from "./Dialog";
import { Icon } from "./Icon";
import { useToast } from "./Toasts";
import { Alert, Badge, Button, RadioCards, SelectField, TextArea, TextField } from "./ui";

export const JOIN_MODES: { value: JoinMode; label: string; description: string }[] = [
  { value: "open", label: "Open", description: "Anyone who can see it joins at once." },
  { value: "approval", label: "Approval", description: "Pilots ask; admins approve or reject." },
  { value: "invitation_only", label: "Invitation only", description: "Only invited pilots or invite codes." },
];

export const VISIBILITIES: { value: Visibility; label: string; description: string }[] = [
  { value: "public", label: "Public", description: "Listed for every pilot." },
  { value: "hidden", label: "Hidden", description: "Only members see it; invitations still reach it." },
  { value: "system", label: "System", description: "Managed by rules and site admins only." },
];

export function joinModeLabel(mode: JoinMode): string {
  return JOIN_MODES.find((m) => m.value === mode)?.label ?? mode;
}

export function GroupBadges({ group }: { group: GroupView }) {
  return (
    <span className="badges">
      {group.is_owner ? (
        <Badge tone="gold">Owner</Badge>
      ) : group.is_admin ? (
        <Badge tone="accent">Admin</Badge>
      ) : group.is_member ? (
        <Badge tone="success">Member</Badge>
      ) : null}
      <Badge title="How pilots join">{joinModeLabel(group.join_mode)}</Badge>
      {group.visibility === "hidden" ? <Badge tone="warning">Hidden</Badge> : null}
      {group.visibility === "system" ? <Badge tone="warning">System</Badge> : null}
    </span>
  );
}

/**
 * Join requests this tab just sent, by group id, until the listing (which carries
 * `pending_request_id`) is reloaded.
 */
const sentRequests = new Map<string, string>();

/**
 * The caller's way in or out of a group: join (open), request (approval), accept an invitation,
 * or leave (with confirmation). `onChanged` runs after the server agreed.
 */
export function GroupActions({
  group,
  onChanged,
  compact = false,
}: {
  group: GroupView | GroupDetail;
  onChanged: () => void;
  compact?: boolean;
}) {
  const confirm = useConfirm();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const [requesting, setRequesting] = useState(false);
  const size = compact ? "sm" : "md";

  const run = async (work: () => Promise<void>, failure: string) => {
    setBusy(true);
    try {
      await work();
      onChanged();
    } catch (e) {
      toast({ kind: "error", title: failure, body: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };

  if (group.visibility === "system") {
    return group.is_member ? <span className="muted small">Membership managed by rules</span> : null;
  }
  if (group.is_member) {
    if (group.is_owner) return null;
    const leave = async () => {
      const ok = await confirm({
        title: `Leave ${group.name}?`,
        message: (
          <p>
            You lose access to what this group grants.{" "}
            {group.join_mode === "open"
              ? "You can join again at any time."
              : group.join_mode === "approval"
                ? "To come back you need to ask again and be approved."
                : "To come back you need a new invitation."}
          </p>
        ),
        confirmLabel: "Leave group",
        danger: true,
      });
      if (!ok) return;
      await run(async () => {
        await api.post(`/api/groups/${group.id}/leave`);
        toast({ kind: "success", title: `You left ${group.name}` });
      }, `Could not leave ${group.name}`);
    };
    return (
      <Button
        size={size}
        variant="ghost"
        className="btn--danger-text"
        icon="logout"
        onClick={leave}
        busy={busy}
        busyLabel="Leaving…"
        aria-label={`Leave ${group.name}`}
      >
        Leave
      </Button>
    );
  }
  if (group.has_invitation) {
    return (
      <Link className={`btn btn--primary btn--${size}`} to="/groups/invitations">
        <Icon name="mail" size={15} />
        <span>See invitation</span>
      </Link>
    );
  }
  if (group.has_pending_request) {
    const requestId = group.pending_request_id ?? sentRequests.get(group.id);
    const cancel = async () => {
      const ok = await confirm({
        title: "Withdraw your request?",
        message: <p>The admins of {group.name} will no longer see it. You can ask again later.</p>,
        confirmLabel: "Withdraw request",
        danger: true,
      });
      if (!ok || !requestId) return;
      await run(async () => {
        await api.del(`/api/groups/${group.id}/requests/${requestId}`);
        sentRequests.delete(group.id);
        toast({ kind: "success", title: "Request withdrawn" });
      }, "The request was not withdrawn");
    };
    return (
      <>
        <Badge tone="warning">
          <Icon name="clock" size={12} /> Request pending
        </Badge>
        {requestId ? (
          <Button
            size="sm"
            variant="ghost"
            onClick={cancel}
            busy={busy}
            busyLabel="Withdrawing…"
            aria-label={`Withdraw request to join ${group.name}`}
          >
            Withdraw
          </Button>
        ) : null}
      </>
    );
  }
  switch (group.join_mode) {
    case "open":
      return (
        <Button
          size={size}
          variant="primary"
          icon="plus"
          busy={busy}
          busyLabel="Joining…"
          aria-label={`Join ${group.name}`}
          onClick={() =>
            run(async () => {
              await api.post<JoinOutcome>(`/api/groups/${group.id}/join`);
              toast({ kind: "success", title: `You joined ${group.name}` });
            }, `Could not join ${group.name}`)
          }
        >
          Join
        </Button>
      );
    case "approval":
      return (
        <>
          <Button
            size={size}
            variant="primary"
            icon="mail"
            onClick={() => setRequesting(true)}
            aria-label={`Request to join ${group.name}`}
          >
            Request to join
          </Button>
          {requesting ? (
            <RequestDialog
              group={group}
              open
              onClose={() => setRequesting(false)}
              onSent={() => {
                setRequesting(false);
                onChanged();
              }}
            />
          ) : null}
        </>
      );
    default:
      // Invitation only: the badge says so; there is nothing to press.
      return null;
  }
}

function RequestDialog({
  group,
  open,
  onClose,
  onSent,
}: {
  group: GroupView;
  open: boolean;
  onClose: () => void;
  onSent: () => void;
}) {
  const toast = useToast();
  const [message, setMessage] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [serverError, setServerError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);

  const submit = async () => {
    if (message.length > 500) {
      setError("Keep the message to 500 characters or fewer.");
      return;
    }
    setError(null);
    setServerError(null);
    setSending(true);
    try {
      const sent = await api.post<JoinRequest>(`/api/groups/${group.id}/requests`, {
        message: message.trim(),
      } satisfies JoinRequestBody);
      sentRequests.set(group.id, sent.id);
      toast({
        kind: "success",
        title: "Request sent",
        body: `The admins of ${group.name} will decide. You will be notified here.`,
      });
      setMessage("");
      onSent();
    } catch (e) {
      setServerError(errorMessage(e));
    } finally {
      setSending(false);
    }
  };

  return (
    <Dialog
      open={open}
      title={`Request to join ${group.name}`}
      description={<p>The group's admins see your primary character and your message.</p>}
      onClose={onClose}
      onSubmit={() => void submit()}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={sending} busyLabel="Sending…">
            Send request
          </Button>
        </>
      }
    >
      {serverError ? <Alert title="The request was not sent">{serverError}</Alert> : null}
      <TextArea
        label="Message to the admins"
        optional
        rows={4}
        value={message}
        maxLength={600}
        onChange={(e) => setMessage(e.target.value)}
        error={error}
        hint={`${message.length}/500 characters. Say who you fly with or why you want in.`}
      />
    </Dialog>
  );
}

export function GroupCard({ group, onChanged }: { group: GroupView; onChanged: () => void }) {
  return (
    <article className="group-card" data-testid="group-card" aria-labelledby={`group-${group.id}`}>
      <div className="group-card__head">
        <h3 className="group-card__name" id={`group-${group.id}`}>
          <Link to={`/groups/${group.id}`}>{group.name}</Link>
        </h3>
        <GroupBadges group={group} />
      </div>
      <p className="group-card__description">{group.description || "No description."}</p>
      <div className="group-card__foot">
        <span className="group-card__meta">
          <Icon name="users" size={15} /> {plural(group.member_count, "member")}
          {group.owner_name ? <> · led by {group.owner_name}</> : null}
        </span>
        <span className="group-card__actions">
          <GroupActions group={group} onChanged={onChanged} compact />
        </span>
      </div>
    </article>
  );
}

/** Creates a group in one of the categories the caller may use; opens the new group's page. */
export function CreateGroupDialog({
  open,
  onClose,
  categories,
  siteAdmin,
  defaultCategory,
}: {
  open: boolean;
  onClose: () => void;
  categories: Category[];
  siteAdmin: boolean;
  defaultCategory?: string | null;
}) {
  const toast = useToast();
  const usable = categories.filter((c) => siteAdmin || c.permission === "anyone");
  const [form, setForm] = useState<NewGroup>({
    category_id:
      defaultCategory && usable.some((c) => c.id === defaultCategory) ? defaultCategory : (usable[0]?.id ?? ""),
    name: "",
    description: "",
    visibility: "public",
    join_mode: "approval",
  });
  const [errors, setErrors] = useState<Partial<Record<keyof NewGroup, string>>>({});
  const [serverError, setServerError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const submit = async () => {
    const next: typeof errors = {};
    const name = form.name.trim();
    if (!form.category_id) next.category_id = "Choose a category.";
    if (!name) next.name = "Give the group a name.";
    else if (name.length > 100) next.name = "Names are at most 100 characters.";
    if (form.description.length > 2000) next.description = "Descriptions are at most 2000 characters.";
    setErrors(next);
    if (Object.keys(next).length) return;
    setServerError(null);
    setSaving(true);
    try {
      const created = await api.post<GroupDetail>("/api/groups", { ...form, name } satisfies NewGroup);
      toast({ kind: "success", title: `${created.name} was created`, body: "You are its owner." });
      onClose();
      navigate(`/groups/${created.id}`);
    } catch (e) {
      setServerError(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Dialog
      open={open}
      title="Create a group"
      onClose={onClose}
      onSubmit={() => void submit()}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={saving} busyLabel="Creating…" disabled={usable.length === 0}>
            Create group
          </Button>
        </>
      }
    >
      {usable.length === 0 ? (
        <Alert kind="info">No category accepts new groups from you yet. Ask a site admin.</Alert>
      ) : null}
      {serverError ? <Alert title="The group was not created">{serverError}</Alert> : null}
      <SelectField
        label="Category"
        value={form.category_id}
        onChange={(e) => setForm({ ...form, category_id: e.target.value })}
        options={usable.map((c) => ({ value: c.id, label: c.name }))}
        error={errors.category_id}
        required
      />
      <TextField
        label="Name"
        value={form.name}
        onChange={(e) => setForm({ ...form, name: e.target.value })}
        error={errors.name}
        required
        maxLength={120}
        autoComplete="off"
      />
      <TextArea
        label="Description"
        optional
        rows={3}
        value={form.description}
        onChange={(e) => setForm({ ...form, description: e.target.value })}
        error={errors.description}
        hint="What the group is for, and who should join."
      />
      <RadioCards
        legend="How pilots join"
        name="join_mode"
        value={form.join_mode}
        onChange={(join_mode) => setForm({ ...form, join_mode })}
        options={JOIN_MODES}
      />
      <RadioCards
        legend="Visibility"
        name="visibility"
        value={form.visibility}
        onChange={(visibility) => setForm({ ...form, visibility })}
        options={VISIBILITIES.filter((v) => siteAdmin || v.value !== "system")}
      />
    </Dialog>
  );
}

/** Creates or edits a category (site admins). */
export function CategoryDialog({
  open,
  onClose,
  onSaved,
  category,
}: {
  open: boolean;
  onClose: () => void;
  onSaved: (category: Category) => void;
  category?: Category | null;
}) {
  const [form, setForm] = useState<NewCategory>({
    name: category?.name ?? "",
    description: category?.description ?? "",
    permission: category?.permission ?? "anyone",
  });
  const [errors, setErrors] = useState<Partial<Record<keyof NewCategory, string>>>({});
  const [serverError, setServerError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const submit = async () => {
    const next: typeof errors = {};
    const name = form.name.trim();
    if (!name) next.name = "Give the category a name.";
    else if (name.length > 100) next.name = "Names are at most 100 characters.";
    if (form.description.length > 2000) next.description = "Descriptions are at most 2000 characters.";
    setErrors(next);
    if (Object.keys(next).length) return;
    setServerError(null);
    setSaving(true);
    try {
      const saved = category
        ? await api.patch<Category>(`/api/groups/categories/${category.id}`, { ...form, name } satisfies CategoryPatch)
        : await api.post<Category>("/api/groups/categories", { ...form, name } satisfies NewCategory);
      onSaved(saved);
    } catch (e) {
      setServerError(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };

  const permissions: { value: CategoryPermission; label: string; description: string }[] = [
    { value: "anyone", label: "Any pilot", description: "Every pilot may create groups here." },
    { value: "admin_only", label: "Site admins", description: "Only site admins create groups here." },
  ];

  return (
    <Dialog
      open={open}
      title={category ? `Edit ${category.name}` : "Create a category"}
      onClose={onClose}
      onSubmit={() => void submit()}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={saving} busyLabel="Saving…">
            {category ? "Save category" : "Create category"}
          </Button>
        </>
      }
    >
      {serverError ? <Alert title="The category was not saved">{serverError}</Alert> : null}
      <TextField
        label="Name"
        value={form.name}
        onChange={(e) => setForm({ ...form, name: e.target.value })}
        error={errors.name}
        required
        maxLength={120}
        autoComplete="off"
      />
      <TextArea
        label="Description"
        optional
        rows={3}
        value={form.description}
        onChange={(e) => setForm({ ...form, description: e.target.value })}
        error={errors.description}
      />
      <RadioCards
        legend="Who may create groups"
        name="permission"
        value={form.permission}
        onChange={(permission) => setForm({ ...form, permission })}
        options={permissions}
      />
    </Dialog>
  );
}

const MEMBERS_PAGE = 50;

export interface MembersList {
  list: Member[];
  total: number | null;
  firstLoad: boolean;
  loadingMore: boolean;
  error: unknown;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
  /** Changes the loaded rows locally after a confirmed change. */
  update: (change: (list: Member[]) => Member[]) => void;
}

/** A group's members, a page at a time (`offset` paging), reloaded when `deps` change. */
export function useMembers(groupId: string, deps: readonly unknown[] = []): MembersList {
  const [list, setList] = useState<Member[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [firstLoad, setFirstLoad] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    api
      .get<MembersPage>(`/api/groups/${groupId}/members?limit=${MEMBERS_PAGE}&offset=0`, { signal: controller.signal })
      .then((page) => {
        setList(page.members);
        setTotal(page.total);
        setError(undefined);
        setFirstLoad(false);
      })
      .catch((e: unknown) => {
        if (controller.signal.aborted) return;
        setError(e);
        setFirstLoad(false);
      });
    return () => controller.abort();
    // `deps` are the caller's reasons to reload (a changed member count...).
  }, [groupId, generation, ...deps]);

  const loadMore = useCallback(() => {
    setLoadingMore(true);
    api
      .get<MembersPage>(`/api/groups/${groupId}/members?limit=${MEMBERS_PAGE}&offset=${list.length}`)
      .then((page) => {
        setList((l) => [...l, ...page.members.filter((m) => !l.some((x) => x.user_id === m.user_id))]);
        setTotal(page.total);
        setError(undefined);
      })
      .catch((e: unknown) => setError(e))
      .finally(() => setLoadingMore(false));
  }, [groupId, list.length]);

  return {
    list,
    total,
    firstLoad,
    loadingMore,
    error,
    hasMore: total !== null && list.length < total,
    loadMore,
    reload: () => setGeneration((g) => g + 1),
    update: (change) => setList(change),
  };
}

export function LoadMore({ members }: { members: MembersList }) {
  if (!members.hasMore && !(members.error && members.list.length > 0)) return null;
  return (
    <div className="list-more">
      {members.error && members.list.length > 0 ? (
        <p className="field__error" role="alert">
          {errorMessage(members.error)}
        </p>
      ) : null}
      {members.hasMore ? (
        <Button onClick={members.loadMore} busy={members.loadingMore} busyLabel="Loading…">
          Show more ({(members.total ?? 0) - members.list.length} more)
        </Button>
      ) : null}
    </div>
  );
}
