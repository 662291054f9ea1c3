// Pieces shared by the group pages: badges, the join/request/leave actions, group cards, and the
// dialogs that create groups and categories.

import { useState } from "react";
import { errorMessage } from "../api/client";
import { endpoints } from "../api/endpoints";
import type {
  Category,
  CategoryPermission,
  GroupDetail,
  GroupView,
  JoinMode,
  Member,
  NewCategory,
  NewGroup,
  Visibility,
} from "../api/types";
import { plural } from "../lib/format";
import { apiKey, mutate, queryClient, useApiInfiniteQuery } from "../lib/query";
import { Link, navigate } from "../lib/router";
import { useAction } from "../lib/useAction";
import { Dialog, useConfirm } from "./Dialog";
import { Icon } from "./Icon";
import { Alert, Badge, Button, RadioCards, SelectField, TextArea, TextField } from "./ui";
import "../styles/groups.css";

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
 * The caller's way in or out of a group: join (open), request (approval), accept an invitation,
 * or leave (with confirmation). The group's lists and pages refresh once the server agreed.
 */
export function GroupActions({ group, compact = false }: { group: GroupView | GroupDetail; compact?: boolean }) {
  const confirm = useConfirm();
  const { busy, run } = useAction<"leave" | "withdraw" | "join">();
  const [requesting, setRequesting] = useState(false);
  const size = compact ? "sm" : "md";
  const params = { groupId: group.id };

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
      await run("leave", () => mutate(endpoints.leaveGroup, { params }), {
        success: `You left ${group.name}`,
        failure: `Could not leave ${group.name}`,
      });
    };
    return (
      <Button
        size={size}
        variant="ghost"
        className="btn--danger-text"
        icon="logout"
        onClick={leave}
        busy={busy !== null}
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
    const requestId = group.pending_request_id;
    const cancel = async () => {
      const ok = await confirm({
        title: "Withdraw your request?",
        message: <p>The admins of {group.name} will no longer see it. You can ask again later.</p>,
        confirmLabel: "Withdraw request",
        danger: true,
      });
      if (!ok || !requestId) return;
      await run("withdraw", () => mutate(endpoints.withdrawRequest, { params: { ...params, requestId } }), {
        success: "Request withdrawn",
        failure: "The request was not withdrawn",
      });
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
            busy={busy !== null}
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
          busy={busy !== null}
          busyLabel="Joining…"
          aria-label={`Join ${group.name}`}
          onClick={() =>
            run("join", () => mutate(endpoints.joinGroup, { params }), {
              success: `You joined ${group.name}`,
              failure: `Could not join ${group.name}`,
            })
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
              onSent={() => setRequesting(false)}
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
  const [message, setMessage] = useState("");
  const [error, setError] = useState<string | null>(null);
  const { busy, error: serverError, run } = useAction<"send">();

  const submit = async () => {
    if (message.length > 500) {
      setError("Keep the message to 500 characters or fewer.");
      return;
    }
    setError(null);
    await run(
      "send",
      async () => {
        await mutate(endpoints.requestToJoin, { params: { groupId: group.id }, body: { message: message.trim() } });
        setMessage("");
        onSent();
      },
      {
        success: {
          kind: "success",
          title: "Request sent",
          body: `The admins of ${group.name} will decide. You will be notified here.`,
        },
      },
    );
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
          <Button type="submit" variant="primary" busy={busy === "send"} busyLabel="Sending…">
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

export function GroupCard({ group }: { group: GroupView }) {
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
          <GroupActions group={group} compact />
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
  const { busy, error: serverError, run } = useAction<"create">();

  const submit = async () => {
    const next: typeof errors = {};
    const name = form.name.trim();
    if (!form.category_id) next.category_id = "Choose a category.";
    if (!name) next.name = "Give the group a name.";
    else if (name.length > 100) next.name = "Names are at most 100 characters.";
    if (form.description.length > 2000) next.description = "Descriptions are at most 2000 characters.";
    setErrors(next);
    if (Object.keys(next).length) return;
    await run(
      "create",
      async () => {
        const created = await mutate(endpoints.createGroup, { body: { ...form, name } });
        onClose();
        navigate(`/groups/${created.id}`);
        return created;
      },
      { success: (created) => ({ kind: "success", title: `${created.name} was created`, body: "You are its owner." }) },
    );
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
          <Button
            type="submit"
            variant="primary"
            busy={busy === "create"}
            busyLabel="Creating…"
            disabled={usable.length === 0}
          >
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
  const { busy, error: serverError, run } = useAction<"save">();

  const submit = async () => {
    const next: typeof errors = {};
    const name = form.name.trim();
    if (!name) next.name = "Give the category a name.";
    else if (name.length > 100) next.name = "Names are at most 100 characters.";
    if (form.description.length > 2000) next.description = "Descriptions are at most 2000 characters.";
    setErrors(next);
    if (Object.keys(next).length) return;
    const body = { ...form, name };
    await run("save", async () =>
      onSaved(
        category
          ? await mutate(endpoints.updateCategory, { params: { categoryId: category.id }, body })
          : await mutate(endpoints.createCategory, { body }),
      ),
    );
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
          <Button type="submit" variant="primary" busy={busy === "save"} busyLabel="Saving…">
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
}

/** A group's members, a page at a time (`offset` paging), in the cache like any read. */
export function useMembers(groupId: string): MembersList {
  const members = useApiInfiniteQuery(
    endpoints.groupMembers,
    { params: { groupId }, query: { limit: MEMBERS_PAGE } },
    "offset",
    (last, pages) => {
      const loaded = pages.reduce((n, page) => n + page.members.length, 0);
      return loaded < last.total ? loaded : null;
    },
    // Only members see the list: once the group says the caller left, it is not asked for again.
    () => queryClient.getQueryData<GroupDetail>(apiKey(endpoints.group, { params: { groupId } }))?.role !== "anyone",
  );
  const pages = members.data?.pages ?? [];
  // A member may move to another page while they load: each is listed once.
  const seen = new Set<string>();
  const list = pages.flatMap((page) => page.members).filter((m) => !seen.has(m.user_id) && seen.add(m.user_id));
  return {
    list,
    total: pages.at(-1)?.total ?? null,
    firstLoad: members.isPending,
    loadingMore: members.isFetchingNextPage,
    error: members.error,
    hasMore: members.hasNextPage,
    loadMore: () => void members.fetchNextPage(),
    reload: () => void members.refetch(),
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
