// Announce: a message to every member, delivered as a live notification.

import { useState } from "react";
import { endpoints } from "../../../api/endpoints";
import type { AnnouncementResponse, GroupDetail } from "../../../api/types";
import { Alert, Button, Card, TextArea } from "../../../components/ui";
import { plural } from "../../../lib/format";
import { mutate } from "../../../lib/query";
import { useAction } from "../../../lib/useAction";

export function AnnounceTab({ group }: { group: GroupDetail }) {
  const [message, setMessage] = useState("");
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [result, setResult] = useState<AnnouncementResponse | null>(null);
  const { busy, error: serverError, run } = useAction<"send">();
  const sending = busy === "send";

  const send = async () => {
    const text = message.trim();
    if (!text) {
      setFieldError("Write the announcement first.");
      return;
    }
    if (text.length > 500) {
      setFieldError("Announcements are at most 500 characters.");
      return;
    }
    setFieldError(null);
    setResult(null);
    await run(
      "send",
      async () => {
        const sent = await mutate(endpoints.announce, { params: { groupId: group.id }, body: { message: text } });
        setResult(sent);
        setMessage("");
        return sent;
      },
      {
        success: (sent) => ({
          kind: "success",
          title: "Announcement sent",
          body: `Delivered to ${plural(sent.delivered, "member")}.`,
        }),
      },
    );
  };

  return (
    <Card title="Announce to every member">
      <form
        className="stack"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <p className="muted">
          Every member of {group.name} ({plural(group.member_count, "member")}) gets it as a live notification.
        </p>
        {serverError ? <Alert title="The announcement was not sent">{serverError}</Alert> : null}
        {result ? (
          <Alert kind="success" title="Sent">
            {plural(result.members, "member")} addressed, {result.delivered} delivered.
          </Alert>
        ) : null}
        <TextArea
          label="Message"
          rows={4}
          value={message}
          maxLength={600}
          onChange={(e) => setMessage(e.target.value)}
          error={fieldError}
          hint={`${message.trim().length}/500 characters`}
        />
        {sending ? (
          <div className="progress">
            <progress aria-label="Sending the announcement" />
            <span>Sending to {plural(group.member_count, "member")}…</span>
          </div>
        ) : null}
        <div>
          <Button type="submit" variant="primary" icon="megaphone" busy={sending} busyLabel="Sending…">
            Send announcement
          </Button>
        </div>
      </form>
    </Card>
  );
}
