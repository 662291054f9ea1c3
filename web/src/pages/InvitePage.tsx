import { useState } from "react";
import { endpoints } from "../api/endpoints";
import type { JoinOutcome } from "../api/types";
import { Icon } from "../components/Icon";
import { Alert, Button, ButtonLink, PageHeader } from "../components/ui";
import { useReady, useTitle } from "../lib/hooks";
import { mutate } from "../lib/query";
import { useAction } from "../lib/useAction";
import { parseInviteCode } from "./GroupsPage";
import "../styles/invite.css";

/**
 * `/invite#<code>`: shows the code and joins its group with one button. The code is a bearer
 * secret: it rides in the fragment, which browsers never send, and goes to the API in a body.
 */
export function InvitePage({ code }: { code: string }) {
  useTitle("Invite code");
  useReady(true);
  const { busy, error, run } = useAction<"join">();
  const [joined, setJoined] = useState<JoinOutcome | null>(null);
  const check = parseInviteCode(code);

  const join = () =>
    run("join", async () => {
      setJoined(await mutate(endpoints.redeemCode, { body: { code } }));
      sessionStorage.removeItem("hub-invite-code");
    });

  return (
    <div className="page page--narrow">
      <PageHeader title="Invite code" back={{ to: "/groups/invitations", label: "Invitations" }} />
      <section className="card invite" aria-live="polite">
        {joined ? (
          <div className="invite__done">
            <span className="invite__icon invite__icon--success">
              <Icon name="check" size={30} />
            </span>
            <h2 className="invite__title">Welcome to {joined.group_name}</h2>
            <p className="muted">You are now a member. The group's admins can see you in their member list.</p>
            <div className="invite__actions">
              <ButtonLink to={`/groups/${joined.group_id}`} variant="primary">
                Open {joined.group_name}
              </ButtonLink>
              <ButtonLink to="/groups/mine">My groups</ButtonLink>
            </div>
          </div>
        ) : (
          <>
            <span className="invite__icon">
              <Icon name="ticket" size={30} />
            </span>
            <h2 className="invite__title">You have an invite code</h2>
            <p className="muted">Redeeming it makes you a member of the group it was made for.</p>
            <p className="invite__code">
              <span className="visually-hidden">Code: </span>
              <code className="code code--large" data-testid="invite-code">
                {code}
              </code>
            </p>
            {check.error ? <Alert title="This does not look like an invite code">{check.error}</Alert> : null}
            {error ? <Alert title="The code could not be redeemed">{error}</Alert> : null}
            <div className="invite__actions">
              <Button
                variant="primary"
                icon="check"
                onClick={join}
                busy={busy === "join"}
                busyLabel="Joining…"
                disabled={check.error !== null}
              >
                Join
              </Button>
              <ButtonLink to="/groups">Not now</ButtonLink>
            </div>
          </>
        )}
      </section>
    </div>
  );
}
