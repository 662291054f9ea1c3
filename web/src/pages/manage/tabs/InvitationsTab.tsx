// Invitations: invite a pilot by character id, withdraw a pending invitation.

import { useState } from "react";
import { endpoints } from "../../../api/endpoints";
import type { GroupDetail, Invitation } from "../../../api/types";
import { useConfirm } from "../../../components/Dialog";
import {
  Alert,
  Button,
  Card,
  EmptyState,
  ErrorState,
  LoadingState,
  Portrait,
  TextField,
  Time,
} from "../../../components/ui";
import { mutate, useApiQuery } from "../../../lib/query";
import { useAction } from "../../../lib/useAction";

export function InvitationsTab({ group }: { group: GroupDetail }) {
  const params = { groupId: group.id };
  const invitations = useApiQuery(endpoints.groupInvitations, { params });
  const confirm = useConfirm();
  const { busy, error: serverError, run } = useAction();
  const [characterId, setCharacterId] = useState("");
  const [fieldError, setFieldError] = useState<string | null>(null);

  const invite = async () => {
    const text = characterId.trim();
    if (!/^\d{1,12}$/.test(text) || Number(text) <= 0) {
      setFieldError("Enter the character's numeric EVE id, e.g. 90000003.");
      return;
    }
    setFieldError(null);
    await run(
      "invite",
      async () => {
        const created = await mutate(endpoints.invitePilot, { params, body: { character_id: Number(text) } });
        setCharacterId("");
        return created;
      },
      { success: (created) => `${created.character_name ?? `#${created.character_id}`} was invited` },
    );
  };

  const revoke = async (i: Invitation) => {
    const ok = await confirm({
      title: "Withdraw this invitation?",
      message: <p>{i.character_name ?? `#${i.character_id}`} can no longer accept it.</p>,
      confirmLabel: "Withdraw invitation",
      danger: true,
    });
    if (!ok) return;
    await run(i.id, () => mutate(endpoints.revokeInvitation, { params: { ...params, invitationId: i.id } }), {
      success: "Invitation withdrawn",
      failure: "The invitation was not withdrawn",
    });
  };

  return (
    <div className="two-col">
      <Card title="Invite a pilot">
        {group.visibility === "system" ? (
          <p className="muted">System groups are managed by rules; invitations are off.</p>
        ) : (
          <form
            className="stack"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              void invite();
            }}
          >
            <p className="muted">The pilot must have logged in to the hub once. They get a notification.</p>
            {serverError ? <Alert title="The invitation was not sent">{serverError}</Alert> : null}
            <TextField
              label="Character id"
              inputMode="numeric"
              value={characterId}
              onChange={(e) => setCharacterId(e.target.value)}
              error={fieldError}
              hint="The number in the character's EVE profile link."
              autoComplete="off"
            />
            <div>
              <Button type="submit" variant="primary" icon="mail" busy={busy === "invite"} busyLabel="Inviting…">
                Send invitation
              </Button>
            </div>
          </form>
        )}
      </Card>
      <Card title="Pending invitations">
        {invitations.isPending ? (
          <LoadingState label="Loading invitations" rows={2} />
        ) : !invitations.data ? (
          <ErrorState error={invitations.error} onRetry={() => void invitations.refetch()} />
        ) : invitations.data.invitations.length === 0 ? (
          <EmptyState icon="mail" title="No pending invitations" />
        ) : (
          <ul className="row-list">
            {invitations.data.invitations.map((i) => (
              <li className="row" key={i.id}>
                <Portrait id={i.character_id} name={i.character_name} size={40} />
                <div className="row__main">
                  <p className="row__title">{i.character_name ?? `#${i.character_id}`}</p>
                  <p className="row__meta">
                    Invited <Time ms={i.created_at_ms} />
                    {i.invited_by_name ? ` by ${i.invited_by_name}` : ""}
                  </p>
                </div>
                <div className="row__actions">
                  <Button
                    size="sm"
                    variant="ghost"
                    className="btn--danger-text"
                    busy={busy === i.id}
                    disabled={busy !== null}
                    onClick={() => void revoke(i)}
                  >
                    Withdraw
                  </Button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
