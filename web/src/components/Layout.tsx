// The frame around every signed-in page: a skip link, the top bar (brand, navigation, the
// notification bell, the account menu), the progress bar for running operations, and <main>.

import { useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from "react";
import { errorMessage, getBusy, subscribeBusy } from "../api/client";
import type { Notification } from "../api/types";
import { useDisclosure } from "../lib/hooks";
import { notificationHref, useNotifications } from "../lib/notifications";
import { Link, NavLink, navigate, useLocation } from "../lib/router";
import { useMe, useSession } from "../lib/session";
import { useAction } from "../lib/useAction";
import { Icon, Logo } from "./Icon";
import { Portrait, Spinner, Time } from "./ui";

export function Layout({ children }: { children: ReactNode }) {
  const me = useMe();
  const { pathname } = useLocation();
  const [navOpen, setNavOpen] = useState(false);
  const first = useRef(true);

  // A route change moves focus to the new page's heading (screen readers announce it) and closes
  // the phone navigation.
  useEffect(() => {
    setNavOpen(false);
    if (first.current) {
      first.current = false;
      return undefined;
    }
    const timer = window.setTimeout(() => {
      const heading = document.querySelector<HTMLElement>("main h1");
      (heading ?? document.getElementById("main"))?.focus({ preventScroll: true });
    }, 50);
    return () => window.clearTimeout(timer);
  }, [pathname]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <ProgressBar />
      <header className="topbar">
        <div className="topbar__inner">
          <button
            type="button"
            className="icon-btn topbar__menu"
            aria-expanded={navOpen}
            aria-controls="primary-nav"
            aria-label={navOpen ? "Close navigation" : "Open navigation"}
            onClick={() => setNavOpen(!navOpen)}
          >
            <Icon name={navOpen ? "close" : "menu"} size={22} />
          </button>
          <Link to="/" className="brand" aria-label="EVE Auth Hub, dashboard">
            <Logo />
            <span className="brand__name">
              EVE <strong>Auth Hub</strong>
            </span>
          </Link>
          <nav id="primary-nav" className={`nav${navOpen ? " nav--open" : ""}`} aria-label="Main">
            <NavLink className="nav__link" to="/" exact>
              <Icon name="home" /> Dashboard
            </NavLink>
            <NavLink className="nav__link" to="/groups">
              <Icon name="users" /> Groups
            </NavLink>
            <NavLink className="nav__link" to="/corporations">
              <Icon name="shield" /> Corporations
            </NavLink>
            <NavLink className="nav__link" to="/sessions">
              <Icon name="monitor" /> Sessions
            </NavLink>
            {me.is_admin ? (
              <NavLink className="nav__link" to="/admin">
                <Icon name="shield" /> Admin
              </NavLink>
            ) : null}
          </nav>
          <div className="topbar__end">
            <Bell />
            <AccountMenu />
          </div>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
      <footer className="footer">
        <span className="footer__name">EVE Auth Hub</span>
        <span className="footer__note">EVE Online and the EVE logo are trademarks of CCP hf.</span>
      </footer>
    </div>
  );
}

/** A thin bar at the top while any change is being saved. */
function ProgressBar() {
  const busy = useSyncExternalStore(subscribeBusy, getBusy);
  const [visible, setVisible] = useState(false);
  useEffect(() => {
    if (busy > 0) {
      // Only operations that take a moment show it.
      const timer = window.setTimeout(() => setVisible(true), 250);
      return () => window.clearTimeout(timer);
    }
    setVisible(false);
    return undefined;
  }, [busy]);
  return <div className={`progress-bar${visible ? " progress-bar--active" : ""}`} aria-hidden="true" />;
}

function AccountMenu() {
  const me = useMe();
  const { logout } = useSession();
  const container = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const [open, setOpen] = useDisclosure(container, button);
  const { busy, run } = useAction<"logout">();
  const leaving = busy === "logout";
  const primary = me.user.characters.find((c) => c.is_primary) ?? me.user.characters[0];

  const onLogout = () =>
    run(
      "logout",
      async () => {
        await logout();
        navigate("/", { replace: true });
      },
      { failure: "Logging out failed" },
    );

  return (
    <div className="menu" ref={container}>
      <button
        ref={button}
        type="button"
        className="account-button"
        aria-expanded={open}
        aria-controls="account-menu"
        aria-label={`Account: ${primary?.name ?? "pilot"}`}
        onClick={() => setOpen(!open)}
      >
        <Portrait id={primary?.id} name={primary?.name} size={32} />
        <span className="account-button__name">{primary?.name}</span>
      </button>
      <div id="account-menu" className="menu__panel" hidden={!open}>
        <div className="menu__who">
          <Portrait id={primary?.id} name={primary?.name} size={48} />
          <div>
            <p className="menu__name">{primary?.name}</p>
            <p className="menu__meta">
              {me.user.characters.length} {me.user.characters.length === 1 ? "character" : "characters"}
              {me.is_admin ? " · Site admin" : ""}
            </p>
          </div>
        </div>
        <Link className="menu__item" to="/" onClick={() => setOpen(false)}>
          <Icon name="home" /> Characters
        </Link>
        <Link className="menu__item" to="/notifications" onClick={() => setOpen(false)}>
          <Icon name="bell" /> Notifications
        </Link>
        <Link className="menu__item" to="/sessions" onClick={() => setOpen(false)}>
          <Icon name="monitor" /> Sessions
        </Link>
        <button type="button" className="menu__item menu__item--danger" onClick={onLogout} disabled={leaving}>
          {leaving ? <Spinner small /> : <Icon name="logout" />} {leaving ? "Logging out…" : "Log out"}
        </button>
      </div>
    </div>
  );
}

function Bell() {
  const { unreadCount, status, recent, recentError, loadRecent, markRead, markAllRead } = useNotifications();
  const container = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const [open, setOpen] = useDisclosure(container, button);
  const { busy, run } = useAction<"all">();
  const marking = busy === "all";

  useEffect(() => {
    if (open) void loadRecent();
  }, [open, loadRecent]);

  const live = status === "open";
  const label = `Notifications, ${unreadCount === 0 ? "none" : unreadCount} unread${live ? "" : " (live updates reconnecting)"}`;

  const openOne = (n: Notification) => {
    setOpen(false);
    if (!n.read) void markRead(n.id).catch(() => {});
    navigate(notificationHref(n));
  };

  const readAll = () => run("all", markAllRead, { failure: "Could not mark notifications read" });

  return (
    <div className="menu" ref={container}>
      <button
        ref={button}
        type="button"
        className="icon-btn bell"
        aria-expanded={open}
        aria-controls="bell-panel"
        aria-label={label}
        data-testid="bell"
        onClick={() => setOpen(!open)}
      >
        <Icon name="bell" size={21} />
        {unreadCount > 0 ? (
          <span className="bell__count" data-testid="bell-count" aria-hidden="true">
            {unreadCount > 99 ? "99+" : unreadCount}
          </span>
        ) : null}
        {!live ? <span className="bell__offline" aria-hidden="true" /> : null}
      </button>
      <div id="bell-panel" className="menu__panel menu__panel--wide" hidden={!open}>
        <div className="bell-panel__header">
          <h2 className="bell-panel__title">Notifications</h2>
          <button type="button" className="link-button" onClick={readAll} disabled={marking || unreadCount === 0}>
            {marking ? "Marking…" : "Mark all read"}
          </button>
        </div>
        {!live ? (
          <p className="bell-panel__status">
            <Icon name="wifiOff" size={15} /> Live updates are reconnecting…
          </p>
        ) : null}
        {recent === null && !recentError ? (
          <div className="bell-panel__loading">
            <Spinner label="Loading notifications" />
          </div>
        ) : recent === null ? (
          <p className="bell-panel__empty" role="alert">
            {errorMessage(recentError)}
          </p>
        ) : recent.length === 0 ? (
          <p className="bell-panel__empty">No notifications yet. Group news and account alerts show up here.</p>
        ) : (
          <ul className="bell-list">
            {recent.map((n) => (
              <li key={n.id}>
                <button
                  type="button"
                  className={`bell-item${n.read ? "" : " bell-item--unread"}`}
                  onClick={() => openOne(n)}
                >
                  <span className="bell-item__dot" aria-hidden="true" />
                  <span className="bell-item__text">
                    <span className="bell-item__title">{n.title}</span>
                    <span className="bell-item__time">
                      <Time ms={n.created_at_ms} />
                      {n.read ? "" : " · unread"}
                    </span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
        <Link className="bell-panel__all" to="/notifications" onClick={() => setOpen(false)}>
          See all notifications <Icon name="chevron" size={15} />
        </Link>
      </div>
    </div>
  );
}
