// The app: providers, the login gate, and the route table. Admin pages (site and group) load on
// demand, so the first page a player sees ships only what it needs.

import { lazy, Suspense, useEffect, type ReactNode } from "react";
import { ConfirmProvider } from "./components/Dialog";
import { Layout } from "./components/Layout";
import { ToastProvider } from "./components/Toasts";
import { Logo } from "./components/Icon";
import { ErrorState, LoadingState } from "./components/ui";
import { NotificationsProvider } from "./lib/notifications";
import { matchPath, navigate, useLocation } from "./lib/router";
import { SessionProvider, useSession } from "./lib/session";
import { Dashboard } from "./pages/Dashboard";
import { GroupPage } from "./pages/GroupPage";
import { GroupsPage } from "./pages/GroupsPage";
import { InvitePage } from "./pages/InvitePage";
import { LoginPage } from "./pages/LoginPage";
import { NotFound } from "./pages/NotFound";
import { NotificationsPage } from "./pages/NotificationsPage";
import { SessionsPage } from "./pages/SessionsPage";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { LoginError } from "./components/LoginError";

const AdminPage = lazy(() => import("./pages/admin/AdminPage"));
const GroupManagePage = lazy(() => import("./pages/manage/GroupManagePage"));
const CharacterPage = lazy(() => import("./pages/data/CharacterPage").then((m) => ({ default: m.CharacterPage })));
const CorporationPage = lazy(() =>
  import("./pages/data/CorporationPage").then((m) => ({ default: m.CorporationPage })),
);
const CorporationsPage = lazy(() =>
  import("./pages/data/CorporationPage").then((m) => ({ default: m.CorporationsPage })),
);

export function App() {
  return (
    <ToastProvider>
      <ConfirmProvider>
        <SessionProvider>
          <Gate />
        </SessionProvider>
      </ConfirmProvider>
    </ToastProvider>
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

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

type Route = [pattern: string, render: (params: Record<string, string>) => ReactNode];

const ROUTES: Route[] = [
  ["/", () => <Dashboard />],
  ["/login", () => <Redirect to="/" />],
  ["/sessions", () => <SessionsPage />],
  ["/notifications", () => <NotificationsPage />],
  ["/groups", () => <GroupsPage tab="browse" />],
  ["/groups/mine", () => <GroupsPage tab="mine" />],
  ["/groups/invitations", () => <GroupsPage tab="invitations" />],
  ["/groups/:id", (p) => <GroupPage id={p.id!} />],
  ["/groups/:id/manage", (p) => <GroupManagePage id={p.id!} tab="members" />],
  ["/groups/:id/manage/:tab", (p) => <GroupManagePage id={p.id!} tab={p.tab!} />],
  ["/characters/:id", (p) => <CharacterPage id={p.id!} />],
  ["/characters/:id/:tab", (p) => <CharacterPage id={p.id!} tab={p.tab!} />],
  ["/corporations", () => <CorporationsPage />],
  ["/corporations/:id", (p) => <CorporationPage id={p.id!} />],
  ["/corporations/:id/:tab", (p) => <CorporationPage id={p.id!} tab={p.tab!} />],
  ["/invite", () => <InvitePage code={inviteCode("/invite") ?? ""} />],
  // Links of the older form carried the code in the path.
  ["/invite/:code", (p) => <InvitePage code={p.code!} />],
  ["/admin", () => <Redirect to="/admin/users" />],
  ["/admin/:section", (p) => <AdminPage section={p.section!} />],
  ["/admin/:section/:id", (p) => <AdminPage section={p.section!} id={p.id} />],
];

function Routes({ pathname }: { pathname: string }) {
  for (const [pattern, render] of ROUTES) {
    const params = matchPath(pattern, pathname);
    if (params) return <>{render(params)}</>;
  }
  return <NotFound />;
}
