// The membership log: who joined or left, how and by whose hand, newest first.

import { endpoints } from "../../../api/endpoints";
import type { GroupDetail } from "../../../api/types";
import { useMembers } from "../../../components/groups";
import { Alert, Button, Card, EmptyState, ErrorState, LoadingState } from "../../../components/ui";
import { formatDateTime, humanize, shortId } from "../../../lib/format";
import { useApiInfiniteQuery } from "../../../lib/query";
import { useAction } from "../../../lib/useAction";

export function LogTab({ group }: { group: GroupDetail }) {
  const pages = useApiInfiniteQuery(
    endpoints.groupLog,
    { params: { groupId: group.id }, query: { limit: 50 } },
    "before_id",
    (last) => last.next_before_id,
  );
  const members = useMembers(group.id);
  const { busy, error, run } = useAction<"more">();
  const names = new Map(members.list.map((m) => [m.user_id, m.character_name ?? shortId(m.user_id)]));
  const who = (id: string | null) => (id ? (names.get(id) ?? `user ${shortId(id)}`) : "the system");

  const loadMore = () =>
    run("more", async () => {
      const result = await pages.fetchNextPage();
      if (result.error) throw result.error;
    });

  const entries = pages.data?.pages.flatMap((page) => page.entries) ?? [];
  return (
    <Card title="Membership log">
      {pages.isPending ? (
        <LoadingState label="Loading the log" />
      ) : !pages.data ? (
        <ErrorState error={pages.error} onRetry={() => void pages.refetch()} />
      ) : entries.length === 0 ? (
        <EmptyState icon="list" title="Nothing logged yet" />
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table--stack">
              <caption className="visually-hidden">Membership changes, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">What</th>
                  <th scope="col">Pilot</th>
                  <th scope="col">By</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id}>
                    <td data-label="When">
                      <time dateTime={new Date(e.at_ms).toISOString()}>{formatDateTime(e.at_ms)}</time>
                    </td>
                    <td data-label="What">{humanize(e.action)}</td>
                    <td data-label="Pilot">{e.user_id ? who(e.user_id) : "—"}</td>
                    <td data-label="By">{who(e.actor_id)}</td>
                    <td data-label="Reason">{humanize(e.reason)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {error ? <Alert>{error}</Alert> : null}
          {pages.hasNextPage ? (
            <div className="list-more">
              <Button onClick={loadMore} busy={busy === "more"} busyLabel="Loading…">
                Load older entries
              </Button>
            </div>
          ) : null}
        </>
      )}
    </Card>
  );
}
