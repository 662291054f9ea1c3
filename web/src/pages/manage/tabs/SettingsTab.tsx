// Settings: name, description, join mode and visibility; deleting the group (owner only).

import { useState } from "react";
import { endpoints } from "../../../api/endpoints";
import type { GroupDetail, GroupPatch } from "../../../api/types";
import { Dialog, useConfirm } from "../../../components/Dialog";
import { JOIN_MODES, VISIBILITIES } from "../../../components/groups";
import { useToast } from "../../../components/Toasts";
import { Alert, Button, Card, RadioCards, TextArea, TextField } from "../../../components/ui";
import { mutate } from "../../../lib/query";
import { navigate } from "../../../lib/router";
import { useAction } from "../../../lib/useAction";

export function SettingsTab({ group, owner }: { group: GroupDetail; owner: boolean }) {
  const toast = useToast();
  const confirm = useConfirm();
  const [form, setForm] = useState({
    name: group.name,
    description: group.description,
    join_mode: group.join_mode,
    visibility: group.visibility,
  });
  const [errors, setErrors] = useState<{ name?: string; description?: string }>({});
  const { busy, error: serverError, run } = useAction<"save" | "delete">();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [typed, setTyped] = useState("");
  const params = { groupId: group.id };

  const save = async () => {
    const next: typeof errors = {};
    const name = form.name.trim();
    if (!name) next.name = "The group needs a name.";
    else if (name.length > 100) next.name = "Names are at most 100 characters.";
    if (form.description.length > 2000) next.description = "Descriptions are at most 2000 characters.";
    setErrors(next);
    if (Object.keys(next).length) return;
    // Only what changed is sent; `null` leaves a field as it is.
    const patch: GroupPatch = {
      name: name !== group.name ? name : null,
      description: form.description !== group.description ? form.description : null,
      join_mode: form.join_mode !== group.join_mode ? form.join_mode : null,
      visibility: form.visibility !== group.visibility ? form.visibility : null,
    };
    if (Object.values(patch).every((v) => v === null)) {
      toast({ kind: "info", title: "Nothing changed" });
      return;
    }
    if (patch.visibility === "hidden") {
      const ok = await confirm({
        title: "Hide this group?",
        message: <p>Only members will see it in listings. Invitations and codes still work.</p>,
        confirmLabel: "Hide group",
      });
      if (!ok) return;
    }
    await run("save", () => mutate(endpoints.updateGroup, { params, body: patch }), { success: "Settings saved" });
  };

  const remove = () =>
    run(
      "delete",
      async () => {
        await mutate(endpoints.deleteGroup, { params });
        navigate("/groups", { replace: true });
      },
      { success: `${group.name} was deleted`, failure: "The group was not deleted" },
    );

  return (
    <div className="stack-lg">
      <Card title="Group settings">
        <form
          className="stack"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          {serverError ? <Alert title="The settings were not saved">{serverError}</Alert> : null}
          <TextField
            label="Name"
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
            error={errors.name}
            maxLength={120}
            required
          />
          <TextArea
            label="Description"
            optional
            rows={4}
            value={form.description}
            onChange={(e) => setForm({ ...form, description: e.target.value })}
            error={errors.description}
          />
          <RadioCards
            legend="How pilots join"
            name="settings-join-mode"
            value={form.join_mode}
            onChange={(join_mode) => setForm({ ...form, join_mode })}
            options={JOIN_MODES}
          />
          <RadioCards
            legend="Visibility"
            name="settings-visibility"
            value={form.visibility}
            onChange={(visibility) => setForm({ ...form, visibility })}
            options={VISIBILITIES.map((v) => ({
              ...v,
              disabled:
                !owner ||
                (v.value === "system" && group.role !== "site_admin") ||
                (group.visibility === "system" && group.role !== "site_admin"),
            }))}
          />
          {!owner ? <p className="muted small">Only the owner changes the group's visibility.</p> : null}
          <div>
            <Button type="submit" variant="primary" busy={busy === "save"} busyLabel="Saving…">
              Save settings
            </Button>
          </div>
        </form>
      </Card>
      {owner ? (
        <Card title="Danger zone" className="card--danger">
          <div className="danger-row">
            <div>
              <p className="row__title">Delete this group</p>
              <p className="muted small">
                Every member is removed and told. The membership log is kept for site admins.
              </p>
            </div>
            <Button variant="danger" icon="trash" onClick={() => setConfirmDelete(true)}>
              Delete group
            </Button>
          </div>
        </Card>
      ) : null}
      {confirmDelete ? (
        <Dialog
          open
          size="sm"
          title={`Delete ${group.name}?`}
          description={<p>This cannot be undone. Type the group's name to confirm.</p>}
          onClose={() => setConfirmDelete(false)}
          onSubmit={() => {
            if (typed.trim() === group.name) void remove();
          }}
          footer={
            <>
              <Button onClick={() => setConfirmDelete(false)}>Cancel</Button>
              <Button
                type="submit"
                variant="danger"
                busy={busy === "delete"}
                busyLabel="Deleting…"
                disabled={typed.trim() !== group.name}
              >
                Delete group
              </Button>
            </>
          }
        >
          <TextField label="Group name" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
        </Dialog>
      ) : null}
    </div>
  );
}
