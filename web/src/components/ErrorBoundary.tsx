import { Component, type ErrorInfo, type ReactNode } from "react";
import { ErrorState } from "./ui";

/** A page that throws while rendering shows an error state instead of a blank screen. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: unknown }> {
  state: { error: unknown } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error("page failed to render", error, info.componentStack);
  }

  render() {
    if (this.state.error) {
      const chunk = String(this.state.error).includes("dynamically imported module");
      return (
        <ErrorState
          title={chunk ? "A new version of the app is available" : "This page failed to load"}
          error={chunk ? new Error("Reload the page to continue.") : this.state.error}
          onRetry={() => window.location.reload()}
        />
      );
    }
    return this.props.children;
  }
}
