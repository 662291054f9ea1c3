// Owner and admins: add an admin from the members, take the right back, hand the group over.

import { useState } from "react";
import { endpoints } from "../../../api/endpoints";
import type { GroupDetail, Member } from "../../../api/types";
import { useConfirm } from "../../../components/Dialog";
import { useMembers } from "../../../components/groups";
import { Button, Card, EmptyState, ErrorState, LoadingState, SelectField } from "../../../components/ui";
import { shortId } from "../../../lib/format";
import { mutate } from "../../../lib/query";
import { useAction } from "../../../lib/useAction";
import { memberName as name, MemberRow } from "../MemberRow";

export function AdminsTab({ group, owner }: { group: GroupDetail; owner: boolean }) {
  const members = useMembers(group.id);
  const confirm = useConfirm();
  const { busy, run } = useAction();
  const [candidate, setCandidate] = useState("");
  const [candidateError, setCandidateError] = useState<string | null>(null);
  const staff = members.list.filter((m) => m.role === "owner" || m.role === "admin");
  const others = members.list.filter((m) => m.role === "member");
  const params = { groupId: group.id };

  const add = async () => {
    const m = others.find((x) => x.user_id === candidate);
    if (!m) {
      setCandidateError("Choose a member to make an admin.");
      return;
    }
    setCandidateError(null);
    await run(
      "add",
      async () => {
        await mutate(endpoints.addAdmin, { params, body: { user_id: m.user_id } });
        setCandidate("");
      },
      { success: `${name(m)} is now an admin`, failure: "The admin was not added" },
    );
  };

  const demote = async (m: Member) => {
    const ok = await confirm({
      title: `Remove ${name(m)} as admin?`,
      message: <p>They stay a member but can no longer run the group.</p>,
      confirmLabel: "Remove admin",
      danger: true,
    });
    if (!ok) return;
    await run(m.user_id, () => mutate(endpoints.removeAdmin, { params: { ...params, userId: m.user_id } }), {
      success: `${name(m)} is no longer an admin`,
      failure: "The admin was not removed",
    });
  };

  const transfer = async (m: Member) => {
    const ok = await confirm({
      title: `Make ${name(m)} the owner of ${group.name}?`,
      message: <p>They take over the group. You stay on as an admin; only the new owner can undo this.</p>,
      confirmLabel: "Transfer ownership",
      danger: true,
    });
    if (!ok) return;
    await run(m.user_id, () => mutate(endpoints.transferOwnership, { params, body: { user_id: m.user_id } }), {
      success: `${name(m)} now owns ${group.name}`,
      failure: "Ownership was not transferred",
    });
  };

  return (
    <div className="two-col">
      <Card title="Owner and admins">
        {members.firstLoad ? (
          <LoadingState label="Loading admins" rows={2} />
        ) : members.error && members.list.length === 0 ? (
          <ErrorState error={members.error} onRetry={members.reload} />
        ) : (
          <ul className="row-list">
            {staff.map((m) => (
              <MemberRow key={m.user_id} member={m}>
                {owner && m.role === "admin" ? (
                  <>
                    <Button
                      size="sm"
                      icon="star"
                      disabled={busy !== null}
                      onClick={() => void transfer(m)}
                      aria-label={`Make owner: ${name(m)}`}
                    >
                      Make owner
                    </Button>
                    <Button
                      size="sm"
                      variant="ghost"
                      className="btn--danger-text"
                      busy={busy === m.user_id}
                      disabled={busy !== null}
                      onClick={() => void demote(m)}
                      aria-label={`Remove admin: ${name(m)}`}
                    >
                      Remove admin
                    </Button>
                  </>
                ) : null}
              </MemberRow>
            ))}
          </ul>
        )}
        <p className="muted small">
          Admins handle requests, invitations, codes and rules. Only the owner adds or removes admins.
        </p>
      </Card>
      <Card title="Add an admin">
        {!owner ? (
          <p className="muted">Only the owner adds admins.</p>
        ) : others.length === 0 && !members.firstLoad ? (
          <EmptyState icon="users" title="No other members">
            Admins are chosen from the group's members.
          </EmptyState>
        ) : (
          <form
            className="stack"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              void add();
            }}
          >
            <SelectField
              label="Member"
              value={candidate}
              onChange={(e) => setCandidate(e.target.value)}
              error={candidateError}
              options={[
                { value: "", label: "Choose a member…" },
                ...others.map((m) => ({ value: m.user_id, label: m.character_name ?? shortId(m.user_id) })),
              ]}
            />
            <div>
              <Button type="submit" variant="primary" icon="shield" busy={busy === "add"} busyLabel="Adding…">
                Make admin
              </Button>
            </div>
          </form>
        )}
      </Card>
    </div>
  );
}
