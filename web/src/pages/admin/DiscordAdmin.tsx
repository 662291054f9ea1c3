// Site admin: the Discord servers the hub serves. Register one the bot has joined (the hub reads
// its name and roles with the bot token), choose the roles the hub manages, see which the bot
// cannot give, set the policy and nicknames, and attach roles to groups, corporations, alliances
// or every linked member.

import { useState } from "react";
import { endpoints } from "../../api/endpoints";
import type { GuildPatch, GuildView, LosePolicy, NicknameFormat, RoleView } from "../../api/types";
import { useConfirm } from "../../components/Dialog";
import { AttachForm, AttachmentList } from "../../components/discord";
import {
  Alert,
  Badge,
  Button,
  Card,
  CheckboxField,
  EmptyState,
  ErrorState,
  LoadingState,
  SelectField,
  TextField,
} from "../../components/ui";
import { plural } from "../../lib/format";
import { useReady } from "../../lib/hooks";
import { mutate, useApiQuery } from "../../lib/query";
import { useAction } from "../../lib/useAction";

const POLICIES: { value: LosePolicy; label: string }[] = [
  { value: "remove_roles", label: "Take the hub's roles away" },
  { value: "kick", label: "Remove them from the server" },
];

const NICKNAMES: { value: NicknameFormat; label: string }[] = [
  { value: "off", label: "Leave nicknames alone" },
  { value: "name", label: "Primary character's name" },
  { value: "ticker_name", label: "[TICKER] Name" },
];

export function DiscordAdmin() {
  const listing = useApiQuery(endpoints.discordGuilds);
  const groups = useApiQuery(endpoints.groups);
  useReady(!listing.isPending);
  const [guildId, setGuildId] = useState("");
  const { busy, error, run } = useAction();
  const register = () =>
    run(
      "register",
      async () => {
        const guild = await mutate(endpoints.registerGuild, { body: { guild_id: guildId } });
        setGuildId("");
        return guild;
      },
      { success: (guild) => `${guild.name} registered` },
    );
  const groupList = (groups.data?.groups ?? []).map((g) => ({ id: g.id, name: g.name }));
  return (
    <>
      <Card title="Register a Discord server">
        <p className="discord-budget">
          Invite the hub's bot to the server first. The hub then reads the server's name and roles with the bot's token.
        </p>
        <form
          className="discord-form"
          onSubmit={(e) => {
            e.preventDefault();
            void register();
          }}
        >
          <TextField
            label="Server id"
            hint="In Discord: Server Settings, Widget, Server ID (or right-click the server with developer mode on)."
            inputMode="numeric"
            value={guildId}
            onChange={(e) => setGuildId(e.target.value.trim())}
          />
          <Button
            type="submit"
            variant="primary"
            icon="plus"
            busy={busy === "register"}
            disabled={!/^\d{1,20}$/.test(guildId)}
          >
            Register server
          </Button>
        </form>
        {error ? (
          <Alert kind="error" title="Not registered">
            {error}
          </Alert>
        ) : null}
      </Card>
      {listing.isPending ? (
        <LoadingState label="Loading Discord servers" />
      ) : !listing.data ? (
        <ErrorState error={listing.error} onRetry={() => void listing.refetch()} />
      ) : (
        <>
          <p className="discord-budget" data-testid="discord-budget">
            Requests Discord refused in the last ten minutes: {listing.data.invalid_requests} of a budget of{" "}
            {listing.data.invalid_budget} (site admins are told at half).
          </p>
          {listing.data.guilds.length === 0 ? (
            <EmptyState icon="users" title="No Discord servers yet">
              Register a server above to give its roles from groups and corporations.
            </EmptyState>
          ) : (
            listing.data.guilds.map((g) => <GuildCard key={g.guild_id} guild={g} groups={groupList} />)
          )}
        </>
      )}
    </>
  );
}

function GuildCard({ guild, groups }: { guild: GuildView; groups: { id: string; name: string }[] }) {
  const confirm = useConfirm();
  const { busy, run } = useAction();
  const params = { guildId: guild.guild_id };
  const save = (key: string, body: GuildPatch) =>
    run(key, () => mutate(endpoints.updateGuild, { params, body }), {
      success: `${guild.name} saved`,
      failure: `${guild.name} was not saved`,
    });
  const managed = guild.roles.filter((r) => r.managed).map((r) => r.role_id);
  const toggle = (role: RoleView, on: boolean) =>
    save(`role-${role.role_id}`, {
      managed_roles: on ? [...managed, role.role_id] : managed.filter((id) => id !== role.role_id),
    });
  const refresh = () =>
    run("refresh", () => mutate(endpoints.refreshGuild, { params }), {
      success: `${guild.name} read again from Discord`,
      failure: "Discord did not answer",
    });
  const remove = async () => {
    const ok = await confirm({
      title: `Stop serving ${guild.name}?`,
      message: (
        <p>
          The hub forgets this server, its managed roles and their attachments. Roles already given stay in Discord.
        </p>
      ),
      confirmLabel: "Remove server",
      danger: true,
    });
    if (!ok) return;
    await run("remove", () => mutate(endpoints.removeGuild, { params }), {
      success: `${guild.name} removed`,
      failure: "The server was not removed",
    });
  };
  const problems = guild.roles.filter((r) => r.managed && !r.manageable);
  const groupName = (id: string) => groups.find((g) => g.id === id)?.name;
  return (
    <Card
      title={guild.name}
      actions={
        <>
          <Button
            size="sm"
            icon="refresh"
            onClick={() => void refresh()}
            busy={busy === "refresh"}
            disabled={busy !== null}
          >
            Read again
          </Button>
          <Button
            size="sm"
            variant="ghost"
            className="btn--danger-text"
            onClick={() => void remove()}
            disabled={busy !== null}
          >
            Remove
          </Button>
        </>
      }
    >
      <div data-testid={`guild-${guild.guild_id}`}>
        {guild.blocked_members > 0 ? (
          <Alert kind="warning" title={`The bot could not update ${plural(guild.blocked_members, "member")}`}>
            At their last sync Discord refused a change (a role or the member ranks above the bot's highest role, or the
            member owns the server). They are tried again once this server's settings change.
          </Alert>
        ) : null}
        {problems.length > 0 ? (
          <Alert kind="warning" title="The bot cannot give some managed roles">
            Move the bot's role above {problems.map((r) => r.name).join(", ")} in Discord's server settings (Roles),
            then read the server again.
          </Alert>
        ) : null}
        <div className="discord-form">
          <SelectField
            label="When a member loses every role here"
            value={guild.lose_policy}
            disabled={busy !== null}
            onChange={(e) => void save("policy", { lose_policy: e.target.value as LosePolicy })}
            options={POLICIES}
          />
          <SelectField
            label="Nicknames"
            value={guild.nickname_format}
            disabled={busy !== null}
            onChange={(e) => void save("nick", { nickname_format: e.target.value as NicknameFormat })}
            options={NICKNAMES}
          />
          <CheckboxField
            label="Group owners may attach roles"
            checked={guild.allow_groups}
            disabled={busy !== null}
            onChange={(on) => void save("groups", { allow_groups: on })}
          />
        </div>
        <h3 className="card__subtitle">Roles</h3>
        <ul className="discord-roles">
          {[...guild.roles]
            .sort((a, b) => b.position - a.position)
            .map((r) => (
              <li key={r.role_id} className="discord-role" data-testid={`role-${r.role_id}`}>
                <span className="discord-role__name">{r.name}</span>
                {r.manageable ? null : <Badge tone={r.managed ? "danger" : "neutral"}>Above the bot</Badge>}
                <CheckboxField
                  label="Managed by the hub"
                  checked={r.managed}
                  disabled={busy !== null}
                  onChange={(on) => void toggle(r, on)}
                />
                {r.managed && !r.manageable ? (
                  <p className="discord-role__warning" role="status">
                    The bot cannot give {r.name}: its own highest role must be above it.
                  </p>
                ) : null}
              </li>
            ))}
        </ul>
        <h3 className="card__subtitle">Who gets which role</h3>
        <AttachmentList guild={guild} groupName={groupName} />
        <AttachForm guild={guild} groups={groups} />
      </div>
    </Card>
  );
}
