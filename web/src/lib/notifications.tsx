// Notifications for the logged-in user: the unread count (from the socket's hello, then kept in
// step with the API), the latest few for the bell, a toast for each live one (acknowledged once
// shown), and the cached reads each one makes stale (a group list when a request is approved).

import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { send } from "../api/client";
import { endpoints } from "../api/endpoints";
import type { Notification, NotificationData } from "../api/types";
import { useToast } from "../components/Toasts";
import { invalidate, mutate } from "./query";
import { useSession } from "./session";
import { NotificationSocket, type SocketStatus } from "./socket";

interface NotificationsValue {
  unreadCount: number;
  status: SocketStatus;
  recent: Notification[] | null;
  recentError: unknown;
  loadRecent: () => Promise<void>;
  markRead: (id: number) => Promise<void>;
  markAllRead: () => Promise<void>;
  /** The count changed elsewhere (the notifications page). */
  setUnreadCount: (count: number) => void;
}

const NotificationsContext = createContext<NotificationsValue | null>(null);

export function useNotifications(): NotificationsValue {
  const value = useContext(NotificationsContext);
  if (!value) throw new Error("useNotifications outside NotificationsProvider");
  return value;
}

/** Refreshes the cached reads a live notification says changed; pages on screen update in place. */
function refreshFor(n: Notification): void {
  void invalidate(endpoints.notifications);
  const data = notificationData(n);
  // Any group news can change the caller's role, a member count or a pending request.
  if (data.group_id) void invalidate(endpoints.groups);
  if (n.kind === "invitation_received") void invalidate(endpoints.invitations);
  if (n.kind === "token_invalid" || n.kind === "character_transferred") void invalidate(endpoints.me);
  if (n.kind === "director_removed") void invalidate(endpoints.corporations);
}

/** The ids in a notification's `data` (a JSON object; anything else reads as empty). */
export function notificationData(n: Notification): NotificationData {
  const data = n.data;
  if (!data || typeof data !== "object" || Array.isArray(data)) return {};
  const text = (key: string) => {
    const value = data[key];
    return typeof value === "string" ? value : undefined;
  };
  return {
    group_id: text("group_id"),
    group_name: text("group_name"),
    request_id: text("request_id"),
    invitation_id: text("invitation_id"),
    character_id: typeof data.character_id === "number" ? data.character_id : undefined,
    message: text("message"),
  };
}

/** Where a notification leads in the app. */
export function notificationHref(n: Notification): string {
  const groupId = notificationData(n).group_id;
  switch (n.kind) {
    case "join_request_received":
      return groupId ? `/groups/${groupId}/manage/requests` : "/groups";
    case "invitation_received":
      return "/groups/invitations";
    case "group_deleted":
      return "/groups";
    case "token_invalid":
    case "character_transferred":
      return "/";
    case "director_removed": {
      const data = n.data;
      const corporation =
        data && typeof data === "object" && !Array.isArray(data) && typeof data.corporation_id === "number"
          ? data.corporation_id
          : null;
      return corporation ? `/corporations/${corporation}` : "/corporations";
    }
    default:
      return groupId ? `/groups/${groupId}` : "/notifications";
  }
}

/** A notification older than this when it arrives was missed while away (grouped, not toasted). */
const MISSED_AFTER_MS = 2 * 60_000;
const MAX_TOASTS_PER_BURST = 3;

export function NotificationsProvider({ children }: { children: ReactNode }) {
  const toast = useToast();
  const { refresh } = useSession();
  const refreshSession = useRef(refresh);
  refreshSession.current = refresh;
  const [unreadCount, setUnreadCount] = useState(0);
  const [status, setStatus] = useState<SocketStatus>("connecting");
  const [recent, setRecent] = useState<Notification[] | null>(null);
  const [recentError, setRecentError] = useState<unknown>(undefined);
  const seen = useRef(new Set<number>());
  const socket = useRef<NotificationSocket | null>(null);
  const syncTimer = useRef<number | undefined>(undefined);
  const burst = useRef({ started: 0, toasts: 0, missed: 0, summaryTimer: undefined as number | undefined });

  const loadRecent = useCallback(async () => {
    try {
      // The bell's own list (not cached): the socket says when it is out of date.
      const page = await send(endpoints.notifications, { query: { limit: 8 } });
      setRecent(page.notifications);
      setUnreadCount(page.unread_count);
      setRecentError(undefined);
    } catch (e) {
      setRecentError(e);
    }
  }, []);

  // After a live notification: one request brings the count and the bell's list up to date.
  const scheduleSync = useCallback(() => {
    window.clearTimeout(syncTimer.current);
    syncTimer.current = window.setTimeout(() => void loadRecent(), 300);
  }, [loadRecent]);

  const markRead = useCallback(async (id: number) => {
    await mutate(endpoints.markRead, { params: { notificationId: id } });
    setRecent((list) => list?.map((n) => (n.id === id ? { ...n, read: true } : n)) ?? null);
    setUnreadCount((c) => Math.max(0, c - 1));
  }, []);

  const markAllRead = useCallback(async () => {
    await mutate(endpoints.markAllRead);
    setRecent((list) => list?.map((n) => ({ ...n, read: true })) ?? null);
    setUnreadCount(0);
  }, []);

  const show = useCallback(
    (n: Notification) => {
      const now = Date.now();
      const b = burst.current;
      if (now - b.started > 3000) {
        b.started = now;
        b.toasts = 0;
      }
      const missed = now - n.created_at_ms > MISSED_AFTER_MS;
      if (n.read) return;
      if (missed || b.toasts >= MAX_TOASTS_PER_BURST) {
        // Many at once (what arrived while away): one summary toast instead of a flood.
        b.missed += 1;
        window.clearTimeout(b.summaryTimer);
        b.summaryTimer = window.setTimeout(() => {
          const count = b.missed;
          b.missed = 0;
          toast({
            kind: "notification",
            title: count === 1 ? "You have a notification you missed" : `You have ${count} notifications you missed`,
            href: "/notifications",
            hrefLabel: "See notifications",
          });
        }, 600);
        return;
      }
      b.toasts += 1;
      toast({
        kind: "notification",
        title: n.title,
        href: notificationHref(n),
        hrefLabel: "View",
        duration: 8000,
        onOpen: () => void markRead(n.id).catch(() => {}),
      });
    },
    [toast, markRead],
  );

  useEffect(() => {
    const s = new NotificationSocket({
      onHello: (count) => setUnreadCount(count),
      onNotification: (n) => {
        // Redelivered (an ack was lost, or a reconnect): acknowledge again, show once.
        if (!seen.current.has(n.id)) {
          seen.current.add(n.id);
          show(n);
          refreshFor(n);
          scheduleSync();
        }
        s.ack(n.id);
      },
      onStatus: (next, attempt) => {
        setStatus(next);
        // The socket keeps failing: maybe the session ended elsewhere. Asking /api/users/me shows
        // the login page if so (a 401), instead of retrying a socket that cannot open.
        if (next === "reconnecting" && attempt === 2) void refreshSession.current().catch(() => {});
      },
    });
    socket.current = s;
    s.start();
    return () => {
      s.stop();
      socket.current = null;
      window.clearTimeout(syncTimer.current);
    };
  }, [show, scheduleSync]);

  const value = useMemo<NotificationsValue>(
    () => ({
      unreadCount,
      status,
      recent,
      recentError,
      loadRecent,
      markRead,
      markAllRead,
      setUnreadCount,
    }),
    [unreadCount, status, recent, recentError, loadRecent, markRead, markAllRead],
  );

  return <NotificationsContext.Provider value={value}>{children}</NotificationsContext.Provider>;
}
