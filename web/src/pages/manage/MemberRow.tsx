// A group member as the management tabs list them, and the list with its loading, error and empty
// states (members and admins tabs).

import type { ReactNode } from "react";
import type { Member } from "../../api/types";
import { LoadMore, type MembersList } from "../../components/groups";
import { Badge, EmptyState, ErrorState, LoadingState, Portrait, Time } from "../../components/ui";
import { humanize } from "../../lib/format";

/** The name the tabs use for a member in buttons and messages. */
export const memberName = (m: Member) => m.character_name ?? "this pilot";

function roleBadge(role: Member["role"]) {
  if (role === "owner") return <Badge tone="gold">Owner</Badge>;
  if (role === "admin") return <Badge tone="accent">Admin</Badge>;
  return null;
}

export function MemberRow({ member, children }: { member: Member; children?: ReactNode }) {
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

export function MemberRows({ members, render }: { members: MembersList; render: (m: Member) => ReactNode }) {
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
