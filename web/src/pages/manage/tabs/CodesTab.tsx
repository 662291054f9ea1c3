// Invite codes: create one (shown once, with its invite link), revoke one.

import { useState } from "react";
import { endpoints } from "../../../api/endpoints";
import type { GroupDetail, InviteCode } from "../../../api/types";
import { useConfirm } from "../../../components/Dialog";
import { Icon } from "../../../components/Icon";
import {
  Alert,
  Badge,
  Button,
  Card,
  EmptyState,
  ErrorState,
  LoadingState,
  SelectField,
  TextField,
  Time,
} from "../../../components/ui";
import { plural } from "../../../lib/format";
import { mutate, useApiQuery } from "../../../lib/query";
import { useAction } from "../../../lib/useAction";

const EXPIRY_CHOICES = [
  { value: "", label: "Never" },
  { value: "1", label: "1 hour" },
  { value: "24", label: "1 day" },
  { value: "168", label: "7 days" },
  { value: "720", label: "30 days" },
];

export function CodesTab({ group }: { group: GroupDetail }) {
  const params = { groupId: group.id };
  const codes = useApiQuery(endpoints.groupCodes, { params });
  const confirm = useConfirm();
  const { busy, error: serverError, run } = useAction();
  const [maxUses, setMaxUses] = useState("");
  const [expires, setExpires] = useState("168");
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [created, setCreated] = useState<InviteCode | null>(null);

  const create = async () => {
    const uses = maxUses.trim();
    if (uses && (!/^\d+$/.test(uses) || Number(uses) < 1 || Number(uses) > 100000)) {
      setFieldError("Use a whole number from 1 to 100000, or leave it empty for no limit.");
      return;
    }
    setFieldError(null);
    await run("create", async () => {
      const code = await mutate(endpoints.createCode, {
        params,
        body: { max_uses: uses ? Number(uses) : null, expires_in_hours: expires ? Number(expires) : null },
      });
      setCreated(code);
      setMaxUses("");
    });
  };

  const revoke = async (c: InviteCode) => {
    const ok = await confirm({
      title: `Revoke the code ${c.hint}…?`,
      message: <p>Nobody can join with it any more. Pilots who already joined stay members.</p>,
      confirmLabel: "Revoke code",
      danger: true,
    });
    if (!ok) return;
    await run(c.id, () => mutate(endpoints.revokeCode, { params: { ...params, codeId: c.id } }), {
      success: "Invite code revoked",
      failure: "The code was not revoked",
    });
  };

  // The code in the fragment: browsers never send it, so no server log sees it.
  const link = created?.code ? `${window.location.origin}/invite#${created.code}` : "";
  const copy = () =>
    run("copy", () => navigator.clipboard.writeText(link), {
      success: "Invite link copied",
      failure: () => ({ kind: "error", title: "Copying failed", body: "Select the link and copy it by hand." }),
    });

  const now = Date.now();
  return (
    <div className="two-col">
      <Card title="Create an invite code">
        {group.visibility === "system" ? (
          <p className="muted">System groups are managed by rules; invite codes are off.</p>
        ) : (
          <form
            className="stack"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              void create();
            }}
          >
            <p className="muted">Anyone with the code joins {group.name} at once, whatever its join mode.</p>
            {serverError ? <Alert title="The code was not created">{serverError}</Alert> : null}
            <TextField
              label="Maximum uses"
              optional
              inputMode="numeric"
              value={maxUses}
              onChange={(e) => setMaxUses(e.target.value)}
              error={fieldError}
              hint="Empty: no limit."
              autoComplete="off"
            />
            <SelectField
              label="Expires after"
              value={expires}
              onChange={(e) => setExpires(e.target.value)}
              options={EXPIRY_CHOICES}
            />
            <div>
              <Button type="submit" variant="primary" icon="ticket" busy={busy === "create"} busyLabel="Creating…">
                Create code
              </Button>
            </div>
          </form>
        )}
        {created?.code ? (
          <div className="new-code" role="status" data-testid="new-code">
            <p className="new-code__title">
              <Icon name="check" /> Code created. Copy it now: it is shown only once.
            </p>
            <code className="code code--large" data-testid="new-code-value">
              {created.code}
            </code>
            <div className="new-code__link">
              <label className="field__label" htmlFor="invite-link">
                Invite link
              </label>
              <input id="invite-link" className="input" readOnly value={link} onFocus={(e) => e.target.select()} />
            </div>
            <Button size="sm" icon="copy" onClick={copy}>
              Copy link
            </Button>
          </div>
        ) : null}
      </Card>
      <Card title="Codes">
        {codes.isPending ? (
          <LoadingState label="Loading codes" rows={2} />
        ) : !codes.data ? (
          <ErrorState error={codes.error} onRetry={() => void codes.refetch()} />
        ) : codes.data.codes.length === 0 ? (
          <EmptyState icon="ticket" title="No invite codes yet" />
        ) : (
          <ul className="row-list">
            {codes.data.codes.map((c) => {
              const expired = c.expires_at_ms !== null && c.expires_at_ms <= now;
              const usedUp = c.max_uses !== null && c.uses >= c.max_uses;
              return (
                <li className="row" key={c.id}>
                  <span className="row__icon">
                    <Icon name="ticket" />
                  </span>
                  <div className="row__main">
                    <p className="row__title">
                      <code className="code">{c.hint}…</code>{" "}
                      {c.revoked ? (
                        <Badge tone="danger">Revoked</Badge>
                      ) : expired ? (
                        <Badge tone="warning">Expired</Badge>
                      ) : usedUp ? (
                        <Badge tone="warning">Used up</Badge>
                      ) : (
                        <Badge tone="success">Active</Badge>
                      )}
                    </p>
                    <p className="row__meta">
                      {c.max_uses === null ? `${plural(c.uses, "use")}, no limit` : `${c.uses} of ${c.max_uses} uses`} ·{" "}
                      {c.expires_at_ms === null ? (
                        "never expires"
                      ) : (
                        <Time ms={c.expires_at_ms} prefix={expired ? "expired" : "expires"} />
                      )}{" "}
                      · created <Time ms={c.created_at_ms} />
                    </p>
                  </div>
                  {!c.revoked && !expired ? (
                    <div className="row__actions">
                      <Button
                        size="sm"
                        variant="ghost"
                        className="btn--danger-text"
                        busy={busy === c.id}
                        disabled={busy !== null}
                        onClick={() => void revoke(c)}
                        aria-label={`Revoke code ${c.hint}`}
                      >
                        Revoke
                      </Button>
                    </div>
                  ) : null}
                </li>
              );
            })}
          </ul>
        )}
      </Card>
    </div>
  );
}
