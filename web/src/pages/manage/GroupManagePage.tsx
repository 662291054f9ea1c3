// Running a group (owner, group admins, site admins): the shell around one tab per task, members,
// admins, join requests, invitations, invite codes, affiliation rules, the membership log, Discord
// roles, announcements and settings (tabs/, each with its own state). Loaded on demand: players who never
// run a group never download it.

import type { ReactNode } from "react";
import { ApiError } from "../../api/client";
import { endpoints } from "../../api/endpoints";
import type { GroupDetail } from "../../api/types";
import { EmptyState, ErrorState, LoadingState, PageHeader, TabNav } from "../../components/ui";
import { plural } from "../../lib/format";
import { useReady, useTitle } from "../../lib/hooks";
import { useApiQuery } from "../../lib/query";
import { AdminsTab } from "./tabs/AdminsTab";
import { AnnounceTab } from "./tabs/AnnounceTab";
import { CodesTab } from "./tabs/CodesTab";
import { DiscordTab } from "./tabs/DiscordTab";
import { InvitationsTab } from "./tabs/InvitationsTab";
import { LogTab } from "./tabs/LogTab";
import { MembersTab } from "./tabs/MembersTab";
import { RequestsTab } from "./tabs/RequestsTab";
import { RulesTab } from "./tabs/RulesTab";
import { SettingsTab } from "./tabs/SettingsTab";
import "../../styles/manage.css";

/** What every tab gets: the group, and whether the caller may do what only its owner does. */
interface TabProps {
  group: GroupDetail;
  owner: boolean;
}

const TABS = {
  members: { label: "Members", Tab: MembersTab },
  admins: { label: "Admins", Tab: AdminsTab },
  requests: { label: "Requests", Tab: RequestsTab },
  invitations: { label: "Invitations", Tab: InvitationsTab },
  codes: { label: "Invite codes", Tab: CodesTab },
  rules: { label: "Rules", Tab: RulesTab },
  log: { label: "Log", Tab: LogTab },
  discord: { label: "Discord", Tab: DiscordTab },
  announce: { label: "Announce", Tab: AnnounceTab },
  settings: { label: "Settings", Tab: SettingsTab },
} satisfies Record<string, { label: string; Tab: (props: TabProps) => ReactNode }>;

type TabKey = keyof typeof TABS;

function isTab(tab: string): tab is TabKey {
  return Object.hasOwn(TABS, tab);
}

export default function GroupManagePage({ id, tab }: { id: string; tab: string }) {
  const detail = useApiQuery(endpoints.group, { params: { groupId: id } });
  const group = detail.data;
  useTitle(group ? `Manage ${group.name}` : "Manage group");
  useReady(!detail.isPending);
  const active: TabKey = isTab(tab) ? tab : "members";

  if (detail.isPending) {
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
        <ErrorState error={detail.error} onRetry={missing ? undefined : () => void detail.refetch()} />
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
  const { Tab } = TABS[active];

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
        tabs={Object.entries(TABS).map(([key, t]) => ({
          key,
          to: `/groups/${id}/manage/${key}`,
          label: t.label,
          count: key === "requests" ? group.pending_requests : undefined,
        }))}
      />
      <div className="manage-panel">
        <Tab group={group} owner={owner} />
      </div>
    </div>
  );
}
