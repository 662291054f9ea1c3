import { ButtonLink, EmptyState, PageHeader } from "../components/ui";
import { useReady, useTitle } from "../lib/hooks";

export function NotFound() {
  useTitle("Page not found");
  useReady(true);
  return (
    <div className="page">
      <PageHeader title="Page not found" />
      <EmptyState
        icon="search"
        title="Nothing lives at this address"
        action={
          <ButtonLink to="/" variant="primary">
            Back to the dashboard
          </ButtonLink>
        }
      >
        The link may be old, or the page moved.
      </EmptyState>
    </div>
  );
}
