// A group's Discord roles (owner and group admins, site admins): the servers a site admin opened to
// groups, the roles attached to this group there, and attaching another.

import { endpoints } from "../../../api/endpoints";
import type { GroupDetail } from "../../../api/types";
import { AttachForm, AttachmentList } from "../../../components/discord";
import { Card, EmptyState, ErrorState, LoadingState } from "../../../components/ui";
import { invalidate, useApiQuery } from "../../../lib/query";

export function DiscordTab({ group }: { group: GroupDetail }) {
  const params = { groupId: group.id };
  const discord = useApiQuery(endpoints.groupDiscord, { params });
  const refresh = () => invalidate(endpoints.groupDiscord, { params });
  if (discord.isPending) return <LoadingState label="Loading Discord servers" />;
  if (!discord.data) return <ErrorState error={discord.error} onRetry={() => void discord.refetch()} />;
  if (discord.data.guilds.length === 0) {
    return (
      <EmptyState icon="users" title="No Discord server takes group roles">
        A site admin registers Discord servers and chooses which ones group owners may give roles in.
      </EmptyState>
    );
  }
  const groupName = (id: string) => (id === group.id ? group.name : undefined);
  return (
    <>
      <p className="muted">
        Members of {group.name} get these roles within seconds of joining, and lose them when they leave. Roles the hub
        does not manage are never touched.
      </p>
      {discord.data.guilds.map((guild) => (
        <Card key={guild.guild_id} title={guild.name} headingLevel={3}>
          <div data-testid={`group-guild-${guild.guild_id}`}>
            <AttachmentList guild={guild} groupId={group.id} groupName={groupName} after={refresh} />
            <AttachForm guild={guild} groupId={group.id} after={refresh} />
          </div>
        </Card>
      ))}
    </>
  );
}
