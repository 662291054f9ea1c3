// Members: make one an admin (owner only), remove one (with confirmation).

import { endpoints } from "../../../api/endpoints";
import type { GroupDetail, Member } from "../../../api/types";
import { useConfirm } from "../../../components/Dialog";
import { useMembers } from "../../../components/groups";
import { Button, Card } from "../../../components/ui";
import { mutate } from "../../../lib/query";
import { useAction } from "../../../lib/useAction";
import { memberName as name, MemberRow, MemberRows } from "../MemberRow";

export function MembersTab({ group, owner }: { group: GroupDetail; owner: boolean }) {
  const members = useMembers(group.id);
  const confirm = useConfirm();
  const { busy, run } = useAction();

  const remove = async (m: Member) => {
    const ok = await confirm({
      title: `Remove ${name(m)} from ${group.name}?`,
      message: <p>They lose what the group grants and are told they were removed.</p>,
      confirmLabel: "Remove member",
      danger: true,
    });
    if (!ok) return;
    await run(m.user_id, () => mutate(endpoints.removeMember, { params: { groupId: group.id, userId: m.user_id } }), {
      success: `${name(m)} was removed`,
      failure: "The member was not removed",
    });
  };

  const makeAdmin = (m: Member) =>
    run(
      m.user_id,
      () => mutate(endpoints.addAdmin, { params: { groupId: group.id }, body: { user_id: m.user_id } }),
      { success: `${name(m)} is now an admin`, failure: "The admin was not added" },
    );

  return (
    <Card
      title={
        <>
          Members <span className="card__count">{members.total ?? group.member_count}</span>
        </>
      }
    >
      <MemberRows
        members={members}
        render={(m) => (
          <MemberRow key={m.user_id} member={m}>
            {owner && m.role === "member" ? (
              <Button
                size="sm"
                icon="shield"
                busy={busy === m.user_id}
                disabled={busy !== null}
                onClick={() => void makeAdmin(m)}
                aria-label={`Make admin: ${name(m)}`}
              >
                Make admin
              </Button>
            ) : null}
            {m.role !== "owner" && (owner || m.role === "member") ? (
              <Button
                size="sm"
                variant="ghost"
                className="btn--danger-text"
                icon="trash"
                disabled={busy !== null}
                onClick={() => void remove(m)}
                aria-label={`Remove: ${name(m)}`}
              >
                Remove
              </Button>
            ) : null}
          </MemberRow>
        )}
      />
    </Card>
  );
}
