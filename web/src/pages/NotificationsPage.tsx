import { useState } from "react";
import { api, errorMessage, query } from "../api/client";
import type { Notification, NotificationKind, Page as NotificationPage } from "../api/types";
import { Icon, type IconName } from "../components/Icon";
import { useToast } from "../components/Toasts";
import { Button, Card, EmptyState, ErrorState, LoadingState, PageHeader, TabNav, Time } from "../components/ui";
import { useReady, useTitle } from "../lib/hooks";
import { notificationHref, useNotificationEffect, useNotifications } from "../lib/notifications";
import { Link, useLocation } from "../lib/router";
import { isFirstLoad, useResource } from "../lib/useResource";

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
  const toast = useToast();
  const [more, setMore] = useState<Notification[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [marking, setMarking] = useState(false);
  // The first page; older ones are appended to `more`. Each load also brings the unread count.
  const first = useResource(
    async (signal) => {
      const page = await api.get<NotificationPage>(
        `/api/notifications${query({ limit: 30, unread: unreadOnly || null })}`,
        { signal },
      );
      setMore([]);
      setNext(page.next_before_id);
      setUnreadCount(page.unread_count);
      return page;
    },
    [unreadOnly],
  );
  useReady(!isFirstLoad(first));
  useNotificationEffect(() => first.reload());

  const list = [...(first.data?.notifications ?? []), ...more];

  const loadMore = async () => {
    if (next === null) return;
    setLoadingMore(true);
    try {
      const page = await api.get<NotificationPage>(
        `/api/notifications${query({ limit: 30, before_id: next, unread: unreadOnly || null })}`,
      );
      setMore((m) => [...m, ...page.notifications]);
      setNext(page.next_before_id);
    } catch (e) {
      toast({ kind: "error", title: "Could not load more", body: errorMessage(e) });
    } finally {
      setLoadingMore(false);
    }
  };

  const setRead = (id: number) => {
    first.setData((d) =>
      d ? { ...d, notifications: d.notifications.map((n) => (n.id === id ? { ...n, read: true } : n)) } : d,
    );
    setMore((m) => m.map((n) => (n.id === id ? { ...n, read: true } : n)));
  };

  const readOne = async (n: Notification) => {
    try {
      await markRead(n.id);
      setRead(n.id);
    } catch (e) {
      toast({ kind: "error", title: "Could not mark it read", body: errorMessage(e) });
    }
  };

  const readAll = async () => {
    setMarking(true);
    try {
      await markAllRead();
      first.setData((d) => (d ? { ...d, notifications: d.notifications.map((n) => ({ ...n, read: true })) } : d));
      setMore((m) => m.map((n) => ({ ...n, read: true })));
    } catch (e) {
      toast({ kind: "error", title: "Could not mark notifications read", body: errorMessage(e) });
    } finally {
      setMarking(false);
    }
  };

  return (
    <div className="page">
      <PageHeader
        title="Notifications"
        subtitle={unreadCount === 0 ? "You are all caught up." : `${unreadCount} unread`}
        actions={
          <Button icon="check" onClick={readAll} busy={marking} busyLabel="Marking…" disabled={unreadCount === 0}>
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
        {isFirstLoad(first) ? (
          <LoadingState label="Loading notifications" />
        ) : first.error && !first.data ? (
          <ErrorState error={first.error} onRetry={first.reload} />
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
            {next !== null ? (
              <div className="list-more">
                <Button onClick={loadMore} busy={loadingMore} busyLabel="Loading…">
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
