// Pending join requests: approve, or reject (with confirmation).

import { endpoints } from "../../../api/endpoints";
import type { GroupDetail, JoinRequest } from "../../../api/types";
import { useConfirm } from "../../../components/Dialog";
import { Button, Card, EmptyState, ErrorState, LoadingState, Portrait, Time } from "../../../components/ui";
import { mutate, useApiQuery } from "../../../lib/query";
import { useAction } from "../../../lib/useAction";

export function RequestsTab({ group }: { group: GroupDetail }) {
  const requests = useApiQuery(endpoints.groupRequests, { params: { groupId: group.id } });
  const confirm = useConfirm();
  const { busy, run } = useAction();

  const decide = async (r: JoinRequest, approve: boolean) => {
    const who = r.character_name ?? "this pilot";
    if (!approve) {
      const ok = await confirm({
        title: `Reject ${who}'s request?`,
        message: <p>They are told their request was declined and may ask again later.</p>,
        confirmLabel: "Reject request",
        danger: true,
      });
      if (!ok) return;
    }
    const params = { groupId: group.id, requestId: r.id };
    await run(r.id, () => mutate(approve ? endpoints.approveRequest : endpoints.rejectRequest, { params }), {
      success: approve ? `${who} joined ${group.name}` : `${who}'s request was rejected`,
      failure: approve ? "The request was not approved" : "The request was not rejected",
    });
  };

  return (
    <Card title="Pending requests">
      {requests.isPending ? (
        <LoadingState label="Loading requests" rows={2} />
      ) : !requests.data ? (
        <ErrorState error={requests.error} onRetry={() => void requests.refetch()} />
      ) : requests.data.requests.length === 0 ? (
        <EmptyState icon="inbox" title="No pending requests">
          {group.join_mode === "approval"
            ? "When pilots ask to join, their requests wait here. You get a notification for each."
            : "This group does not take requests: its join mode is not “Approval”."}
        </EmptyState>
      ) : (
        <ul className="row-list">
          {requests.data.requests.map((r) => (
            <li className="row" key={r.id} data-testid="join-request">
              <Portrait id={null} name={r.character_name} size={40} />
              <div className="row__main">
                <p className="row__title">{r.character_name ?? "Unknown pilot"}</p>
                <p className="row__meta">
                  Asked <Time ms={r.created_at_ms} />
                </p>
                {r.message ? <blockquote className="quote">{r.message}</blockquote> : null}
              </div>
              <div className="row__actions">
                <Button
                  size="sm"
                  variant="primary"
                  icon="check"
                  busy={busy === r.id}
                  busyLabel="Approving…"
                  disabled={busy !== null}
                  onClick={() => void decide(r, true)}
                  aria-label={`Approve ${r.character_name ?? "request"}`}
                >
                  Approve
                </Button>
                <Button
                  size="sm"
                  variant="ghost"
                  className="btn--danger-text"
                  disabled={busy !== null}
                  onClick={() => void decide(r, false)}
                  aria-label={`Reject ${r.character_name ?? "request"}`}
                >
                  Reject
                </Button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
