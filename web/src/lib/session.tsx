// Who is logged in: `/api/users/me` at start-up (held in the query cache, so a write that makes it
// stale, like unlinking a character, refreshes it), its CSRF token for the API client, and what to
// do when a request answers 401 (the session ended elsewhere: show the login page).

import { hashKey, useQuery } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { ApiError, send, setCsrfToken, setUnauthorizedHandler } from "../api/client";
import { endpoints } from "../api/endpoints";
import type { MeResponse } from "../api/types";
import { apiKey, queryClient } from "./query";

export type SessionState =
  | { status: "loading" }
  | { status: "anonymous"; ended: boolean }
  | { status: "error"; error: unknown }
  | { status: "authenticated"; me: MeResponse };

interface SessionContextValue {
  state: SessionState;
  /** Reloads `/api/users/me` (after linking, unlinking, a primary change...). */
  refresh: () => Promise<void>;
  logout: () => Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

const ME = apiKey(endpoints.me);

const unauthorized = (e: unknown) => e instanceof ApiError && e.status === 401;

/** Drops every cached answer but the session's: nothing of the account stays in memory. */
function forgetAccountData(): void {
  const session = hashKey(ME);
  queryClient.removeQueries({ predicate: (q) => q.queryHash !== session });
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const me = useQuery({
    queryKey: ME,
    // The token is set before any component sees the answer: effects of pages that write at once
    // (a registration resumed after the SSO) run before this provider's.
    queryFn: async ({ signal }) => {
      const answer = await send(endpoints.me, {}, { signal, quiet401: true });
      setCsrfToken(answer.csrf_token);
      return answer;
    },
    // It changes only through this app's writes, which make it stale.
    staleTime: Infinity,
  });
  // Set by a 401 elsewhere or by logging out: the login page until the next login reloads the app.
  const [signedOut, setSignedOut] = useState<{ ended: boolean } | null>(null);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setCsrfToken(null);
      forgetAccountData();
      setSignedOut((s) => s ?? { ended: true });
    });
    return () => setUnauthorizedHandler(null);
  }, []);

  const state = useMemo<SessionState>(() => {
    if (signedOut) return { status: "anonymous", ended: signedOut.ended };
    if (me.error && unauthorized(me.error)) return { status: "anonymous", ended: me.data !== undefined };
    // A failed refresh keeps the account on screen (the caller hears of the error).
    if (me.data) return { status: "authenticated", me: me.data };
    if (me.error) return { status: "error", error: me.error };
    return { status: "loading" };
  }, [signedOut, me.data, me.error]);

  const refetch = me.refetch;
  const refresh = useCallback(async () => {
    const result = await refetch();
    if (result.error && !unauthorized(result.error)) throw result.error;
  }, [refetch]);

  const logout = useCallback(async () => {
    // Not `mutate`: nothing is refreshed, the account's data is forgotten.
    await send(endpoints.logout, {});
    setCsrfToken(null);
    forgetAccountData();
    setSignedOut({ ended: false });
  }, []);

  const value = useMemo<SessionContextValue>(() => ({ state, refresh, logout }), [state, refresh, logout]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside SessionProvider");
  return value;
}

/** The logged-in account; only for pages rendered behind the login check. */
export function useMe(): MeResponse {
  const { state } = useSession();
  if (state.status !== "authenticated") throw new Error("useMe without a session");
  return state.me;
}
