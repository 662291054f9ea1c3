import { ApiError } from "../api/client";
import { endpoints } from "../api/endpoints";
import { GroupActions, GroupBadges, JOIN_MODES, LoadMore, useMembers, VISIBILITIES } from "../components/groups";
import { Icon } from "../components/Icon";
import {
  Badge,
  ButtonLink,
  Card,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  Portrait,
  Time,
} from "../components/ui";
import { humanize, plural } from "../lib/format";
import { useReady, useTitle } from "../lib/hooks";
import { useApiQuery } from "../lib/query";

export function GroupPage({ id }: { id: string }) {
  const detail = useApiQuery(endpoints.group, { params: { groupId: id } });
  useTitle(detail.data?.name ?? "Group");
  useReady(!detail.isPending);

  if (detail.isPending) {
    return (
      <div className="page">
        <PageHeader title="Loading group…" back={{ to: "/groups", label: "Groups" }} />
        <LoadingState label="Loading group" />
      </div>
    );
  }
  if (!detail.data) {
    const missing = detail.error instanceof ApiError && detail.error.status === 404;
    return (
      <div className="page">
        <PageHeader title={missing ? "Group not found" : "Group"} back={{ to: "/groups", label: "Groups" }} />
        {missing ? (
          <EmptyState
            icon="search"
            title="This group does not exist or is hidden from you"
            action={<ButtonLink to="/groups">Browse groups</ButtonLink>}
          >
            Hidden groups are visible to their members only.
          </EmptyState>
        ) : (
          <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />
        )}
      </div>
    );
  }
  const group = detail.data;
  const manages = group.role === "owner" || group.role === "admin" || group.role === "site_admin";
  const mode = JOIN_MODES.find((m) => m.value === group.join_mode);
  const visibility = VISIBILITIES.find((v) => v.value === group.visibility);

  return (
    <div className="page">
      <PageHeader
        back={{ to: "/groups", label: "Groups" }}
        title={group.name}
        subtitle={<GroupBadges group={group} />}
        actions={
          <>
            <GroupActions group={group} />
            {manages ? (
              <ButtonLink to={`/groups/${group.id}/manage`} variant="primary" icon="settings">
                Manage
                {group.pending_requests > 0 ? (
                  <span className="btn__count" aria-label={`${group.pending_requests} pending requests`}>
                    {group.pending_requests}
                  </span>
                ) : null}
              </ButtonLink>
            ) : null}
          </>
        }
      />
      <div className="group-layout">
        <Card title="About" className="group-layout__about">
          <p className="prose">{group.description || "This group has no description yet."}</p>
          <dl className="facts">
            <div>
              <dt>Members</dt>
              <dd>{plural(group.member_count, "member")}</dd>
            </div>
            <div>
              <dt>Led by</dt>
              <dd>{group.owner_name ?? "Unknown"}</dd>
            </div>
            <div>
              <dt>Joining</dt>
              <dd>
                {mode?.label}: {mode?.description}
              </dd>
            </div>
            <div>
              <dt>Visibility</dt>
              <dd>
                {visibility?.label}: {visibility?.description}
              </dd>
            </div>
            <div>
              <dt>Your role</dt>
              <dd>{group.role === "anyone" ? "Not a member" : humanize(group.role)}</dd>
            </div>
          </dl>
          {group.has_pending_request ? (
            <p className="callout">
              <Icon name="clock" /> Your request to join is waiting for an admin. You will get a notification when they
              decide.
            </p>
          ) : null}
        </Card>
        {group.role !== "anyone" ? (
          <Members groupId={group.id} total={group.member_count} />
        ) : (
          <Card title="Members" className="group-layout__members">
            <EmptyState icon="users" title="Members only">
              Join the group to see who is in it.
            </EmptyState>
          </Card>
        )}
      </div>
    </div>
  );
}

function Members({ groupId, total }: { groupId: string; total: number }) {
  const members = useMembers(groupId);
  const list = members.list;
  return (
    <Card
      title={
        <>
          Members <span className="card__count">{members.total ?? total}</span>
        </>
      }
      className="group-layout__members"
    >
      {members.firstLoad ? (
        <LoadingState label="Loading members" />
      ) : members.error && list.length === 0 ? (
        <ErrorState error={members.error} onRetry={members.reload} />
      ) : list.length === 0 ? (
        <EmptyState icon="users" title="No members" />
      ) : (
        <>
          <ul className="member-list">
            {list.map((m) => (
              <li key={m.user_id} className="member">
                <Portrait id={m.character_id} name={m.character_name} size={40} />
                <div className="member__main">
                  <span className="member__name">{m.character_name ?? "Unknown pilot"}</span>
                  <span className="member__meta">
                    Joined <Time ms={m.joined_at_ms} />
                  </span>
                </div>
                {m.role === "owner" ? (
                  <Badge tone="gold">Owner</Badge>
                ) : m.role === "admin" ? (
                  <Badge tone="accent">Admin</Badge>
                ) : null}
              </li>
            ))}
          </ul>
          <LoadMore members={members} />
        </>
      )}
    </Card>
  );
}
