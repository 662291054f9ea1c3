import { useState } from "react";
import { endpoints } from "../api/endpoints";
import type { SessionView } from "../api/types";
import { useConfirm } from "../components/Dialog";
import { Icon } from "../components/Icon";
import { useToast } from "../components/Toasts";
import { Alert, Badge, Button, Card, EmptyState, ErrorState, LoadingState, PageHeader, Time } from "../components/ui";
import { describeUserAgent, formatDateTime } from "../lib/format";
import { useReady, useTitle } from "../lib/hooks";
import { mutate, useApiQuery } from "../lib/query";
import { navigate } from "../lib/router";
import { useSession } from "../lib/session";
import { useAction } from "../lib/useAction";
import "../styles/sessions.css";

export function SessionsPage() {
  useTitle("Sessions");
  const sessions = useApiQuery(endpoints.sessions);
  useReady(!sessions.isPending);
  const confirm = useConfirm();
  const toast = useToast();
  const { logout } = useSession();
  const { busy, run } = useAction();
  const [bulk, setBulk] = useState<{ done: number; total: number } | null>(null);
  const [bulkError, setBulkError] = useState<string | null>(null);

  const list = sessions.data?.sessions ?? [];
  const others = list.filter((s) => !s.current);
  const sorted = [...list].sort(
    (a, b) => Number(b.current) - Number(a.current) || b.last_seen_at_ms - a.last_seen_at_ms,
  );

  const endOne = async (session: SessionView) => {
    const ok = await confirm({
      title: "End this session?",
      message: (
        <p>
          {describeUserAgent(session.user_agent)}
          {session.ip ? ` at ${session.ip}` : ""} will be logged out at once. Anyone using it has to log in with EVE
          Online again.
        </p>
      ),
      confirmLabel: "End session",
      danger: true,
    });
    if (!ok) return;
    await run(session.id, () => mutate(endpoints.endSession, { params: { sessionId: session.id } }), {
      success: { kind: "success", title: "Session ended", body: describeUserAgent(session.user_agent) },
      failure: "The session could not be ended",
    });
  };

  const endOthers = async () => {
    const ok = await confirm({
      title: `End ${others.length} other ${others.length === 1 ? "session" : "sessions"}?`,
      message: <p>Every device except this one is logged out.</p>,
      confirmLabel: "End other sessions",
      danger: true,
    });
    if (!ok) return;
    setBulkError(null);
    setBulk({ done: 0, total: others.length });
    let failed = 0;
    for (const [i, s] of others.entries()) {
      try {
        await mutate(endpoints.endSession, { params: { sessionId: s.id } });
      } catch {
        failed += 1;
      }
      setBulk({ done: i + 1, total: others.length });
    }
    setBulk(null);
    if (failed) setBulkError(`${failed} of ${others.length} sessions could not be ended. Try again.`);
    else toast({ kind: "success", title: "Every other session was ended" });
  };

  const logOutHere = async () => {
    const ok = await confirm({
      title: "Log out on this device?",
      message: <p>You will need to log in with EVE Online again.</p>,
      confirmLabel: "Log out",
    });
    if (!ok) return;
    await run(
      "logout",
      async () => {
        await logout();
        navigate("/", { replace: true });
      },
      { failure: "Logging out failed" },
    );
  };

  return (
    <div className="page">
      <PageHeader
        title="Sessions"
        subtitle="Everywhere you are logged in. End any session you do not recognise."
        actions={
          others.length > 0 ? (
            <Button
              variant="danger"
              icon="logout"
              onClick={endOthers}
              busy={bulk !== null}
              busyLabel={bulk ? `Ending ${Math.min(bulk.done + 1, bulk.total)} of ${bulk.total}…` : undefined}
            >
              End all other sessions
            </Button>
          ) : null
        }
      />
      {bulk ? (
        <div className="progress">
          <progress max={bulk.total} value={bulk.done} aria-label="Ending sessions" />
          <span aria-live="polite">
            {bulk.done} of {bulk.total} ended
          </span>
        </div>
      ) : null}
      {bulkError ? <Alert onDismiss={() => setBulkError(null)}>{bulkError}</Alert> : null}
      <Card>
        {sessions.isPending ? (
          <LoadingState label="Loading sessions" />
        ) : !sessions.data ? (
          <ErrorState error={sessions.error} onRetry={() => void sessions.refetch()} />
        ) : sorted.length === 0 ? (
          <EmptyState icon="monitor" title="No live sessions">
            This is unusual: your current session should be listed. Reload the page.
          </EmptyState>
        ) : (
          <ul className="session-list" aria-label="Sessions">
            {sorted.map((s) => (
              <li className={`session${s.current ? " session--current" : ""}`} key={s.id} data-testid="session">
                <span className="session__icon">
                  <Icon name="monitor" size={22} />
                </span>
                <div className="session__main">
                  <div className="session__title-row">
                    <h2 className="session__title">{describeUserAgent(s.user_agent)}</h2>
                    {s.current ? <Badge tone="accent">This device</Badge> : null}
                  </div>
                  <p className="session__meta">
                    {s.ip ?? "Unknown address"} · Last active <Time ms={s.last_seen_at_ms} /> · Signed in{" "}
                    <time dateTime={new Date(s.created_at_ms).toISOString()}>{formatDateTime(s.created_at_ms)}</time>
                  </p>
                  <p className="session__meta">
                    Expires <Time ms={s.expires_at_ms} />
                  </p>
                  {s.user_agent ? (
                    <details className="session__ua">
                      <summary>Browser details</summary>
                      <code>{s.user_agent}</code>
                    </details>
                  ) : null}
                </div>
                <div className="session__actions">
                  {s.current ? (
                    <Button size="sm" icon="logout" onClick={logOutHere}>
                      Log out
                    </Button>
                  ) : (
                    <Button
                      size="sm"
                      variant="danger"
                      onClick={() => void endOne(s)}
                      busy={busy === s.id}
                      busyLabel="Ending…"
                      disabled={bulk !== null}
                      aria-label={`End session: ${describeUserAgent(s.user_agent)}, last active ${new Date(s.last_seen_at_ms).toLocaleString()}`}
                    >
                      End session
                    </Button>
                  )}
                </div>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
