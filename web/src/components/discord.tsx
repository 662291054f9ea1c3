// Discord on the player's dashboard: the linked account, and for each server whether they are in
// it, the roles the hub gives them, the last sync and any problem in words, with link, re-link,
// sync and unlink.

import { useState } from "react";
import { href } from "../api/client";
import { endpoints } from "../api/endpoints";
import type { Attachment, GuildStatusView, GuildView, Membership, Problem, TargetKind } from "../api/types";
import { labelOf, useNames, type NameState } from "../lib/names";
import { mutate, useApiQuery } from "../lib/query";
import { useAction } from "../lib/useAction";
import { useConfirm } from "./Dialog";
import {
  Alert,
  Badge,
  Button,
  ButtonLink,
  Card,
  CheckboxField,
  ErrorState,
  LoadingState,
  SelectField,
  TextField,
  Time,
} from "./ui";
import "../styles/discord.css";

export const PROBLEMS: Record<Problem, string> = {
  needs_relink: "Your Discord link stopped working. Link Discord again so the hub can add you.",
  cannot_manage_role:
    "The hub's bot cannot give one of this server's roles (its own role is too low). The server's admins see this too.",
  too_many_guilds: "You are in too many Discord servers to join another. Leave one, then sync.",
  unavailable: "Discord did not answer. The hub tries again on its own.",
};

const MEMBERSHIP: Record<Membership, { label: string; tone: "success" | "neutral" | "warning" }> = {
  joined: { label: "In the server", tone: "success" },
  not_joined: { label: "Not in the server", tone: "neutral" },
  left: { label: "You left", tone: "warning" },
};

export function linkDiscordUrl(returnTo = "/"): string {
  return href(endpoints.linkDiscord, { query: { return_to: returnTo } });
}

export function DiscordCard() {
  const discord = useApiQuery(endpoints.discordMe);
  const confirm = useConfirm();
  const { busy, run } = useAction<"sync" | "unlink">();
  if (discord.isPending) {
    return (
      <Card title="Discord" headingLevel={2}>
        <LoadingState rows={2} label="Loading Discord" />
      </Card>
    );
  }
  if (!discord.data) {
    return (
      <Card title="Discord" headingLevel={2}>
        <ErrorState error={discord.error} onRetry={() => void discord.refetch()} />
      </Card>
    );
  }
  const { configured, account, guilds } = discord.data;
  if (!configured) return null;
  if (!account) {
    return (
      <Card title="Discord" headingLevel={2}>
        <p className="side-note">
          Link your Discord account to get the servers and roles your groups and corporations give, kept up to date as
          they change.
        </p>
        <ButtonLink to={linkDiscordUrl("/")} external variant="primary" size="sm" icon="link">
          Link Discord
        </ButtonLink>
      </Card>
    );
  }

  const sync = () =>
    run("sync", () => mutate(endpoints.syncDiscord), { success: "Discord is up to date", failure: "Sync failed" });
  const unlink = async () => {
    const ok = await confirm({
      title: "Unlink Discord?",
      message: (
        <p>
          The hub revokes its access to your Discord account and takes away the roles it gave you in every server. Roles
          given by hand stay. You can link again later.
        </p>
      ),
      confirmLabel: "Unlink Discord",
      danger: true,
    });
    if (!ok) return;
    await run("unlink", () => mutate(endpoints.unlinkDiscord), {
      success: "Discord was unlinked",
      failure: "Could not unlink Discord",
    });
  };

  return (
    <Card
      title="Discord"
      headingLevel={2}
      actions={
        <Badge tone={account.needs_relink ? "warning" : "success"}>{account.needs_relink ? "Re-link" : "Linked"}</Badge>
      }
    >
      <div className="discord-account" data-testid="discord-account">
        <span className="discord-account__name">{account.global_name ?? account.username}</span>
        <span className="discord-account__meta">
          @{account.username} · linked <Time ms={account.linked_at_ms} />
        </span>
      </div>
      {account.needs_relink ? (
        <Alert kind="warning" title="Link Discord again">
          {PROBLEMS.needs_relink} <a href={linkDiscordUrl("/")}>Link again</a>
        </Alert>
      ) : null}
      {guilds.length === 0 ? (
        <p className="side-note">No server takes roles from the hub yet.</p>
      ) : (
        <ul className="discord-guilds">
          {guilds.map((g) => (
            <GuildRow key={g.guild_id} guild={g} />
          ))}
        </ul>
      )}
      <div className="discord-actions">
        <Button
          size="sm"
          icon="refresh"
          onClick={sync}
          busy={busy === "sync"}
          busyLabel="Syncing…"
          disabled={busy !== null}
        >
          Sync now
        </Button>
        <Button
          size="sm"
          variant="ghost"
          icon="unlink"
          className="btn--danger-text"
          onClick={unlink}
          busy={busy === "unlink"}
          busyLabel="Unlinking…"
          disabled={busy !== null}
        >
          Unlink Discord
        </Button>
      </div>
    </Card>
  );
}

function GuildRow({ guild }: { guild: GuildStatusView }) {
  const membership = MEMBERSHIP[guild.membership];
  return (
    <li className="discord-guild" data-testid={`discord-guild-${guild.guild_id}`}>
      <div className="discord-guild__head">
        <span className="discord-guild__name">{guild.name}</span>
        <Badge tone={membership.tone}>{membership.label}</Badge>
      </div>
      {guild.roles.length > 0 ? (
        <div className="discord-guild__roles" aria-label={`Roles from the hub in ${guild.name}`}>
          {guild.roles.map((r) => (
            <Badge key={r.role_id} tone="accent">
              {r.name}
            </Badge>
          ))}
        </div>
      ) : (
        <span className="discord-guild__meta">No roles from the hub here</span>
      )}
      <span className="discord-guild__meta">
        Synced <Time ms={guild.synced_at_ms} />
      </span>
      {guild.problem ? (
        <p className="discord-guild__problem" role="status">
          {PROBLEMS[guild.problem]}
        </p>
      ) : guild.membership === "left" ? (
        <p className="discord-guild__meta">The hub adds you again when what gives you access changes.</p>
      ) : null}
    </li>
  );
}

export const TARGETS: { value: TargetKind; label: string }[] = [
  { value: "group", label: "Members of a group" },
  { value: "corporation", label: "Members of a corporation" },
  { value: "alliance", label: "Members of an alliance" },
  { value: "everyone", label: "Every linked member" },
];

/**
 * What an attachment is about, in words (`groupName` finds a group's name, `entityName` a
 * corporation's or alliance's).
 */
export function describeTarget(
  a: Attachment,
  groupName: (id: string) => string | undefined,
  entityName: (id: number) => NameState = () => undefined,
): string {
  const entity = (kind: string) => {
    const state = a.entity_id ? entityName(a.entity_id) : undefined;
    return state && "name" in state ? `${kind} ${labelOf(state.name)}` : `${kind} #${a.entity_id}`;
  };
  switch (a.target_kind) {
    case "group":
      return `Group ${(a.group_id && groupName(a.group_id)) ?? "(unknown group)"}`;
    case "corporation":
      return entity("Corporation");
    case "alliance":
      return entity("Alliance");
    default:
      return "Every linked member";
  }
}

export function roleName(guild: GuildView, roleId: string): string {
  return guild.roles.find((r) => r.role_id === roleId)?.name ?? roleId;
}

/**
 * A guild's attachments (only those of `groupId` when given) with Detach; `after` runs once a
 * change was made (a group's tab refreshes its own read).
 */
export function AttachmentList({
  guild,
  groupId,
  groupName,
  after,
}: {
  guild: GuildView;
  groupId?: string;
  groupName: (id: string) => string | undefined;
  after?: () => Promise<void>;
}) {
  const { busy, run } = useAction();
  const attachments = guild.attachments.filter((a) => !groupId || a.group_id === groupId);
  const names = useNames(attachments.map((a) => a.entity_id));
  if (attachments.length === 0) return <p className="discord-guild__meta">No roles attached yet.</p>;
  const detach = (a: Attachment) =>
    run(
      a.id,
      async () => {
        await mutate(endpoints.detachRole, { params: { attachmentId: a.id } });
        await after?.();
      },
      { success: `${roleName(guild, a.role_id)} detached`, failure: "Could not detach the role" },
    );
  return (
    <ul className="discord-attachments" aria-label={`Attached roles in ${guild.name}`}>
      {attachments.map((a) => (
        <li key={a.id} className="discord-attachment" data-testid={`attachment-${a.id}`}>
          <Badge tone="accent">{roleName(guild, a.role_id)}</Badge>
          <span title={a.entity_id ? `#${a.entity_id}` : undefined}>{describeTarget(a, groupName, names)}</span>
          {a.auto_invite ? <Badge>Adds to the server</Badge> : null}
          {a.auto_assign ? null : <Badge tone="warning">Role not given</Badge>}
          <Button
            size="sm"
            variant="ghost"
            className="btn--danger-text"
            busy={busy === a.id}
            disabled={busy !== null}
            onClick={() => void detach(a)}
            aria-label={`Detach ${roleName(guild, a.role_id)} from ${describeTarget(a, groupName, names)}`}
          >
            Detach
          </Button>
        </li>
      ))}
    </ul>
  );
}

/**
 * Attaches one of the guild's managed roles: to `groupId` when given (a group's tab), otherwise to
 * a target the site admin picks.
 */
export function AttachForm({
  guild,
  groupId,
  groups,
  after,
}: {
  guild: GuildView;
  groupId?: string;
  groups?: { id: string; name: string }[];
  after?: () => Promise<void>;
}) {
  const managed = guild.roles.filter((r) => r.managed);
  const [roleId, setRoleId] = useState(managed[0]?.role_id ?? "");
  const [kind, setKind] = useState<TargetKind>("group");
  const [target, setTarget] = useState(groupId ?? groups?.[0]?.id ?? "");
  const [entity, setEntity] = useState("");
  const [invite, setInvite] = useState(true);
  const [assign, setAssign] = useState(true);
  const { busy, error, run } = useAction();
  if (managed.length === 0) {
    return (
      <p className="discord-guild__meta">
        A site admin must choose which of this server's roles the hub manages first.
      </p>
    );
  }
  const kindNow: TargetKind = groupId ? "group" : kind;
  const entityId = Number(entity);
  const valid =
    roleId !== "" &&
    (kindNow === "group"
      ? target !== ""
      : kindNow === "everyone"
        ? true
        : Number.isSafeInteger(entityId) && entityId > 0);
  const submit = () =>
    run(
      "attach",
      async () => {
        await mutate(endpoints.attachRole, {
          body: {
            guild_id: guild.guild_id,
            role_id: roleId,
            target_kind: kindNow,
            ...(kindNow === "group" ? { group_id: groupId ?? target } : {}),
            ...(kindNow === "corporation" || kindNow === "alliance" ? { entity_id: entityId } : {}),
            auto_invite: invite,
            auto_assign: assign,
          },
        });
        await after?.();
      },
      { success: `${roleName(guild, roleId)} attached` },
    );
  return (
    <form
      className="discord-form"
      aria-label={`Attach a role in ${guild.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <SelectField
        label="Role"
        value={roleId}
        onChange={(e) => setRoleId(e.target.value)}
        options={managed.map((r) => ({
          value: r.role_id,
          label: r.manageable ? r.name : `${r.name} (the bot cannot give it)`,
        }))}
      />
      {groupId ? null : (
        <SelectField
          label="Given to"
          value={kind}
          onChange={(e) => setKind(e.target.value as TargetKind)}
          options={TARGETS}
        />
      )}
      {!groupId && kind === "group" ? (
        <SelectField
          label="Group"
          value={target}
          onChange={(e) => setTarget(e.target.value)}
          options={(groups ?? []).map((g) => ({ value: g.id, label: g.name }))}
        />
      ) : null}
      {!groupId && (kind === "corporation" || kind === "alliance") ? (
        <TextField
          label={kind === "corporation" ? "Corporation id" : "Alliance id"}
          hint={kind === "corporation" ? "A corporation registered in the hub." : undefined}
          inputMode="numeric"
          value={entity}
          onChange={(e) => setEntity(e.target.value.trim())}
        />
      ) : null}
      <CheckboxField label="Add them to the server" checked={invite} onChange={setInvite} />
      <CheckboxField label="Give the role" checked={assign} onChange={setAssign} />
      <Button
        type="submit"
        variant="primary"
        size="sm"
        icon="plus"
        busy={busy === "attach"}
        disabled={!valid || busy !== null}
      >
        Attach role
      </Button>
      {error ? (
        <Alert kind="error" title="Not attached">
          {error}
        </Alert>
      ) : null}
    </form>
  );
}
