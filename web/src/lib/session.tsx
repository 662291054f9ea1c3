// Who is logged in: `/api/users/me` at start-up, its CSRF token for the API client, and what to do
// when a request answers 401 (the session ended elsewhere: show the login page).

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { api, setCsrfToken, setUnauthorizedHandler } from "../api/client";
import type { MeResponse } from "../api/types";

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

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: "loading" });

  const load = useCallback(async (initial: boolean) => {
    try {
      const me = await api.get<MeResponse>("/api/users/me", { quiet401: true });
      setCsrfToken(me.csrf_token);
      setState({ status: "authenticated", me });
    } catch (e) {
      const status = (e as { status?: number }).status;
      setCsrfToken(null);
      if (status === 401) setState((s) => ({ status: "anonymous", ended: !initial && s.status === "authenticated" }));
      else if (initial) setState({ status: "error", error: e });
      else throw e;
    }
  }, []);

  useEffect(() => {
    void load(true);
    setUnauthorizedHandler(() => {
      setCsrfToken(null);
      setState((s) => (s.status === "authenticated" ? { status: "anonymous", ended: true } : s));
    });
    return () => setUnauthorizedHandler(null);
  }, [load]);

  const value = useMemo<SessionContextValue>(
    () => ({
      state,
      refresh: () => load(false),
      logout: async () => {
        await api.post("/api/auth/logout");
        setCsrfToken(null);
        setState({ status: "anonymous", ended: false });
      },
    }),
    [state, load],
  );

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
