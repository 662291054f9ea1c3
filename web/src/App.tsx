// The app: providers, the login gate, and the route table. Every signed-in page loads on demand,
// so the first JavaScript is the frame, the login page and the libraries; the page the app opens
// on starts downloading with the session check, and the player's other pages in idle time once
// signed in (admin, group management and data pages stay on demand).

import { QueryClientProvider } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, type ComponentType, type ReactNode } from "react";
import { ConfirmProvider } from "./components/Dialog";
import { Layout } from "./components/Layout";
import { ToastProvider } from "./components/Toasts";
import { Logo } from "./components/Icon";
import { ErrorState, LoadingState } from "./components/ui";
import { NotificationsProvider } from "./lib/notifications";
import { queryClient } from "./lib/query";
import { matchPath, navigate, useLocation } from "./lib/router";
import { SessionProvider, useSession } from "./lib/session";
import { LoginPage } from "./pages/LoginPage";
import { NotFound } from "./pages/NotFound";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { LoginError } from "./components/LoginError";

interface Preload {
  preload: () => void;
}

/** A page loaded on demand; `preload` starts its download before it is rendered. */
function page<P extends object>(load: () => Promise<ComponentType<P>>) {
  const preload = () => void load().catch(() => {});
  return Object.assign(
    lazy(() => load().then((component) => ({ default: component }))),
    { preload } satisfies Preload,
  );
}

const Dashboard = page(() => import("./pages/Dashboard").then((m) => m.Dashboard));
const GroupsPage = page(() => import("./pages/GroupsPage").then((m) => m.GroupsPage));
const GroupPage = page(() => import("./pages/GroupPage").then((m) => m.GroupPage));
const InvitePage = page(() => import("./pages/InvitePage").then((m) => m.InvitePage));
const NotificationsPage = page(() => import("./pages/NotificationsPage").then((m) => m.NotificationsPage));
const SessionsPage = page(() => import("./pages/SessionsPage").then((m) => m.SessionsPage));
const AdminPage = page(() => import("./pages/admin/AdminPage").then((m) => m.default));
const GroupManagePage = page(() => import("./pages/manage/GroupManagePage").then((m) => m.default));
const CharacterPage = page(() => import("./pages/data/CharacterPage").then((m) => m.CharacterPage));
const CorporationPage = page(() => import("./pages/data/CorporationPage").then((m) => m.CorporationPage));
const CorporationsPage = page(() => import("./pages/data/CorporationPage").then((m) => m.CorporationsPage));

/** The pages every player moves between: fetched in idle time once signed in. */
const PLAYER_PAGES: Preload[] = [Dashboard, GroupsPage, GroupPage, NotificationsPage, SessionsPage];

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <ToastProvider>
        <ConfirmProvider>
          <SessionProvider>
            <Gate />
          </SessionProvider>
        </ConfirmProvider>
      </ToastProvider>
    </QueryClientProvider>
  );
}

function Gate() {
  const { state } = useSession();
  const location = useLocation();

  if (state.status === "loading") {
    return (
      <div className="splash" role="status">
        <span className="splash__logo">
          <Logo size={56} />
        </span>
        <span className="splash__text">Connecting to EVE Auth Hub…</span>
      </div>
    );
  }
  if (state.status === "error") {
    return (
      <div className="splash">
        <ErrorState
          title="EVE Auth Hub is not reachable"
          error={state.error}
          onRetry={() => window.location.reload()}
        />
      </div>
    );
  }
  if (state.status === "anonymous") {
    return <LoginPage returnTo={location.href} ended={state.ended} inviteCode={inviteCode(location.pathname)} />;
  }
  return (
    <NotificationsProvider>
      <WarmPages />
      <Layout>
        <ErrorBoundary key={location.pathname}>
          <Suspense fallback={<LoadingState label="Loading page" />}>
            <LoginError />
            <Routes pathname={location.pathname} />
          </Suspense>
        </ErrorBoundary>
      </Layout>
    </NotificationsProvider>
  );
}

const PENDING_INVITE = "hub-invite-code";

/**
 * The invite code of `/invite#<code>` (or the older `/invite/<code>`), if the page is one. The
 * fragment does not survive the login's redirects, so the tab keeps it until the code is used.
 */
function inviteCode(pathname: string): string | null {
  if (pathname === "/invite") {
    const code = decodeURIComponent(window.location.hash.slice(1));
    if (code) {
      sessionStorage.setItem(PENDING_INVITE, code);
      return code;
    }
    return sessionStorage.getItem(PENDING_INVITE);
  }
  return matchPath("/invite/:code", pathname)?.code ?? null;
}

/** Downloads the player's pages while the browser is idle, so moving between them does not wait. */
function WarmPages() {
  useEffect(() => {
    const warm = () => PLAYER_PAGES.forEach((p) => p.preload());
    // Safari has no requestIdleCallback.
    if ("requestIdleCallback" in globalThis) {
      const id = window.requestIdleCallback(warm, { timeout: 3000 });
      return () => window.cancelIdleCallback(id);
    }
    const timer = window.setTimeout(warm, 1500);
    return () => window.clearTimeout(timer);
  }, []);
  return null;
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

type Route = [pattern: string, render: (params: Record<string, string>) => ReactNode, page?: Preload];

const ROUTES: Route[] = [
  ["/", () => <Dashboard />, Dashboard],
  ["/login", () => <Redirect to="/" />, Dashboard],
  ["/sessions", () => <SessionsPage />, SessionsPage],
  ["/notifications", () => <NotificationsPage />, NotificationsPage],
  ["/groups", () => <GroupsPage tab="browse" />, GroupsPage],
  ["/groups/mine", () => <GroupsPage tab="mine" />, GroupsPage],
  ["/groups/invitations", () => <GroupsPage tab="invitations" />, GroupsPage],
  ["/groups/:id", (p) => <GroupPage id={p.id!} />, GroupPage],
  ["/groups/:id/manage", (p) => <GroupManagePage id={p.id!} tab="members" />, GroupManagePage],
  ["/groups/:id/manage/:tab", (p) => <GroupManagePage id={p.id!} tab={p.tab!} />, GroupManagePage],
  ["/characters/:id", (p) => <CharacterPage id={p.id!} />, CharacterPage],
  ["/characters/:id/:tab", (p) => <CharacterPage id={p.id!} tab={p.tab!} />, CharacterPage],
  ["/corporations", () => <CorporationsPage />, CorporationsPage],
  ["/corporations/:id", (p) => <CorporationPage id={p.id!} />, CorporationPage],
  ["/corporations/:id/:tab", (p) => <CorporationPage id={p.id!} tab={p.tab!} />, CorporationPage],
  ["/invite", () => <InvitePage code={inviteCode("/invite") ?? ""} />, InvitePage],
  // Links of the older form carried the code in the path.
  ["/invite/:code", (p) => <InvitePage code={p.code!} />, InvitePage],
  ["/admin", () => <Redirect to="/admin/users" />, AdminPage],
  ["/admin/:section", (p) => <AdminPage section={p.section!} />, AdminPage],
  ["/admin/:section/:id", (p) => <AdminPage section={p.section!} id={p.id} />, AdminPage],
];

/** Starts the download of the page at `pathname` (the one the app opens on, during the session check). */
export function preloadPage(pathname: string): void {
  for (const [pattern, , page] of ROUTES) {
    if (matchPath(pattern, pathname)) {
      page?.preload();
      return;
    }
  }
}

function Routes({ pathname }: { pathname: string }) {
  for (const [pattern, render] of ROUTES) {
    const params = matchPath(pattern, pathname);
    if (params) return <>{render(params)}</>;
  }
  return <NotFound />;
}
