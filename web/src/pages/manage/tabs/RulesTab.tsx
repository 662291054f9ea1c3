// Affiliation rules: who may join (eligible) or joins on their own (auto-join), by corporation or
// alliance.

import { useState } from "react";
import { endpoints } from "../../../api/endpoints";
import type { AffiliationKind, AffiliationRule, GroupDetail, RuleEffect } from "../../../api/types";
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
  RadioCards,
  SelectField,
  TextField,
} from "../../../components/ui";
import { humanize, plural } from "../../../lib/format";
import { EveName, useNames } from "../../../lib/names";
import { mutate, useApiQuery } from "../../../lib/query";
import { useAction } from "../../../lib/useAction";

const KINDS: { value: AffiliationKind; label: string }[] = [
  { value: "corporation", label: "Corporation" },
  { value: "alliance", label: "Alliance" },
];

export function RulesTab({ group }: { group: GroupDetail }) {
  const params = { groupId: group.id };
  const rules = useApiQuery(endpoints.groupRules, { params });
  const names = useNames((rules.data?.rules ?? []).map((r) => r.entity_id));
  const confirm = useConfirm();
  const { busy, error: serverError, run } = useAction();
  const [form, setForm] = useState<{ kind: AffiliationKind; entity: string; effect: RuleEffect }>({
    kind: "corporation",
    entity: "",
    effect: "eligible",
  });
  const [fieldError, setFieldError] = useState<string | null>(null);

  const add = async () => {
    const text = form.entity.trim();
    if (!/^\d{1,12}$/.test(text) || Number(text) <= 0) {
      setFieldError(`Enter the ${form.kind}'s numeric EVE id.`);
      return;
    }
    setFieldError(null);
    await run(
      "add",
      async () => {
        const added = await mutate(endpoints.addRule, {
          params,
          body: { kind: form.kind, entity_id: Number(text), effect: form.effect },
        });
        setForm({ ...form, entity: "" });
        return added;
      },
      {
        success: (added) => ({
          kind: "success",
          title: "Rule added",
          body: added.joined > 0 ? `${plural(added.joined, "pilot")} joined through it.` : undefined,
        }),
      },
    );
  };

  const remove = async (r: AffiliationRule) => {
    const ok = await confirm({
      title: "Remove this rule?",
      message: <p>Members who joined through it stay until the next affiliation check.</p>,
      confirmLabel: "Remove rule",
      danger: true,
    });
    if (!ok) return;
    await run(r.id, () => mutate(endpoints.removeRule, { params: { ...params, ruleId: r.id } }), {
      success: "Rule removed",
      failure: "The rule was not removed",
    });
  };

  return (
    <div className="two-col">
      <Card title="Affiliation rules">
        <p className="muted small">
          <strong>Eligible</strong> rules limit who may join to matching corporations or alliances.{" "}
          <strong>Auto-join</strong> rules add matching pilots on their own.
        </p>
        {rules.isPending ? (
          <LoadingState label="Loading rules" rows={2} />
        ) : !rules.data ? (
          <ErrorState error={rules.error} onRetry={() => void rules.refetch()} />
        ) : rules.data.rules.length === 0 ? (
          <EmptyState icon="list" title="No rules">
            Any pilot may join, following the group's join mode.
          </EmptyState>
        ) : (
          <ul className="row-list">
            {rules.data.rules.map((r) => (
              <li className="row" key={r.id}>
                <span className="row__icon">
                  <Icon name="list" />
                </span>
                <div className="row__main">
                  <p className="row__title">
                    {humanize(r.kind)}{" "}
                    <EveName id={r.entity_id} kind={r.kind === "alliance" ? "Alliance" : "Corporation"} state={names(r.entity_id)} />{" "}
                    <Badge tone={r.effect === "auto_join" ? "accent" : "neutral"}>
                      {r.effect === "auto_join" ? "Auto-join" : "Eligible"}
                    </Badge>
                  </p>
                </div>
                <div className="row__actions">
                  <Button
                    size="sm"
                    variant="ghost"
                    className="btn--danger-text"
                    busy={busy === r.id}
                    disabled={busy !== null}
                    onClick={() => void remove(r)}
                    aria-label={`Remove rule for ${r.kind} ${r.entity_id}`}
                  >
                    Remove
                  </Button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card title="Add a rule">
        <form
          className="stack"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void add();
          }}
        >
          {serverError ? <Alert title="The rule was not added">{serverError}</Alert> : null}
          <SelectField
            label="Match"
            value={form.kind}
            onChange={(e) => {
              const kind = KINDS.find((k) => k.value === e.target.value)?.value;
              if (kind) setForm({ ...form, kind });
            }}
            options={KINDS}
          />
          <TextField
            label={form.kind === "corporation" ? "Corporation id" : "Alliance id"}
            inputMode="numeric"
            value={form.entity}
            onChange={(e) => setForm({ ...form, entity: e.target.value })}
            error={fieldError}
            autoComplete="off"
          />
          <RadioCards
            legend="Effect"
            name="effect"
            value={form.effect}
            onChange={(effect) => setForm({ ...form, effect })}
            options={[
              {
                value: "eligible",
                label: "Eligible",
                description: "May join (others may not, once any eligible rule exists).",
              },
              { value: "auto_join", label: "Auto-join", description: "Joins matching pilots now and as they log in." },
            ]}
          />
          <div>
            <Button
              type="submit"
              variant="primary"
              icon="plus"
              busy={busy === "add"}
              busyLabel={form.effect === "auto_join" ? "Adding and joining pilots…" : "Adding…"}
            >
              Add rule
            </Button>
          </div>
        </form>
      </Card>
    </div>
  );
}
