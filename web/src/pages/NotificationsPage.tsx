import { useEffect } from "react";
import { endpoints } from "../api/endpoints";
import type { Notification, NotificationKind } from "../api/types";
import { Icon, type IconName } from "../components/Icon";
import { Button, Card, EmptyState, ErrorState, LoadingState, PageHeader, TabNav, Time } from "../components/ui";
import { useReady, useTitle } from "../lib/hooks";
import { notificationHref, useNotifications } from "../lib/notifications";
import { useApiInfiniteQuery } from "../lib/query";
import { Link, useLocation } from "../lib/router";
import { useAction } from "../lib/useAction";
import "../styles/notifications.css";

const KIND_ICONS: Partial<Record<NotificationKind, IconName>> = {
  invitation_received: "mail",
  join_request_received: "users",
  request_approved: "check",
  request_rejected: "close",
  removed_from_group: "logout",
  made_admin: "shield",
  ownership_transferred: "star",
  group_announcement: "megaphone",
  group_deleted: "trash",
  token_invalid: "key",
  character_transferred: "alert",
};

export function NotificationsPage() {
  useTitle("Notifications");
  const unreadOnly = useLocation().search.get("filter") === "unread";
  const { setUnreadCount, markRead, markAllRead, unreadCount } = useNotifications();
  const { busy, run } = useAction();
  // Newest first, older pages appended; each is refreshed when a notification arrives or is read.
  const pages = useApiInfiniteQuery(
    endpoints.notifications,
    { query: { limit: 30, unread: unreadOnly || null } },
    "before_id",
    (last) => last.next_before_id,
  );
  useReady(!pages.isPending);
  // Each answer brings the unread count too.
  const unread = pages.data?.pages[0]?.unread_count;
  useEffect(() => {
    if (unread !== undefined) setUnreadCount(unread);
  }, [unread, pages.dataUpdatedAt, setUnreadCount]);

  const list = pages.data?.pages.flatMap((page) => page.notifications) ?? [];

  const loadMore = () =>
    run(
      "more",
      async () => {
        const result = await pages.fetchNextPage();
        if (result.error) throw result.error;
      },
      { failure: "Could not load more" },
    );

  const readOne = (n: Notification) => run(`read-${n.id}`, () => markRead(n.id), { failure: "Could not mark it read" });

  const readAll = () => run("all", markAllRead, { failure: "Could not mark notifications read" });

  return (
    <div className="page">
      <PageHeader
        title="Notifications"
        subtitle={unreadCount === 0 ? "You are all caught up." : `${unreadCount} unread`}
        actions={
          <Button
            icon="check"
            onClick={readAll}
            busy={busy === "all"}
            busyLabel="Marking…"
            disabled={unreadCount === 0}
          >
            Mark all read
          </Button>
        }
      />
      <TabNav
        label="Filter notifications"
        active={unreadOnly ? "unread" : "all"}
        tabs={[
          { key: "all", to: "/notifications", label: "All" },
          { key: "unread", to: "/notifications?filter=unread", label: "Unread", count: unreadCount },
        ]}
      />
      <Card>
        {pages.isPending ? (
          <LoadingState label="Loading notifications" />
        ) : !pages.data ? (
          <ErrorState error={pages.error} onRetry={() => void pages.refetch()} />
        ) : list.length === 0 ? (
          <EmptyState icon="bell" title={unreadOnly ? "Nothing unread" : "No notifications yet"}>
            Join requests, approvals, invitations, announcements and token problems show up here as they happen.
          </EmptyState>
        ) : (
          <>
            <ul className="notification-list">
              {list.map((n) => (
                <li key={n.id} className={`notification${n.read ? "" : " notification--unread"}`}>
                  <span className="notification__icon">
                    <Icon name={KIND_ICONS[n.kind] ?? "bell"} />
                  </span>
                  <div className="notification__main">
                    <Link
                      className="notification__title"
                      to={notificationHref(n)}
                      onClick={() => {
                        if (!n.read) void readOne(n);
                      }}
                    >
                      {n.title}
                    </Link>
                    <span className="notification__meta">
                      <Time ms={n.created_at_ms} />
                      {n.read ? "" : " · Unread"}
                    </span>
                  </div>
                  {!n.read ? (
                    <Button
                      size="sm"
                      variant="ghost"
                      onClick={() => void readOne(n)}
                      aria-label={`Mark read: ${n.title}`}
                    >
                      Mark read
                    </Button>
                  ) : null}
                </li>
              ))}
            </ul>
            {pages.hasNextPage ? (
              <div className="list-more">
                <Button onClick={loadMore} busy={busy === "more"} busyLabel="Loading…">
                  Load older notifications
                </Button>
              </div>
            ) : null}
          </>
        )}
      </Card>
    </div>
  );
}
