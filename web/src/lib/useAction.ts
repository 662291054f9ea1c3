// One way to run what a button starts: mark it busy (its spinner, and the other buttons of the
// same list disabled), try the work, say how it went (a toast, or a message kept for the form),
// then clear the mark.

import { useCallback, useState } from "react";
import { errorMessage } from "../api/client";
import { useToast, type ToastInput } from "../components/Toasts";

export interface ActionOptions<T> {
  /** The toast after success: a title, or one made from the result (none for `null`). */
  success?: string | ToastInput | ((result: T) => ToastInput | string | null);
  /**
   * After a failure: a toast with this title, the server's message as its body, or one made from
   * the error. Without it the message is kept in `error`, for the form to show beside its fields.
   */
  failure?: string | ((error: unknown) => ToastInput);
}

export interface Action<K extends string> {
  /** The key of the work running now, if any. */
  busy: K | null;
  /** Why the last work without a `failure` toast failed, for an inline alert. */
  error: string | null;
  setError: (error: string | null) => void;
  run: <T>(key: K, work: () => Promise<T>, options?: ActionOptions<T>) => Promise<void>;
}

export function useAction<K extends string = string>(): Action<K> {
  const toast = useToast();
  const [busy, setBusy] = useState<K | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = useCallback(
    async <T>(key: K, work: () => Promise<T>, { success, failure }: ActionOptions<T> = {}) => {
      setBusy(key);
      // A toast-only action leaves the form's message alone.
      if (failure === undefined) setError(null);
      try {
        const result = await work();
        const done = typeof success === "function" ? success(result) : success;
        if (done) toast(typeof done === "string" ? { kind: "success", title: done } : done);
      } catch (e) {
        if (failure === undefined) setError(errorMessage(e));
        else if (typeof failure === "function") toast(failure(e));
        else toast({ kind: "error", title: failure, body: errorMessage(e) });
      } finally {
        setBusy(null);
      }
    },
    [toast],
  );

  return { busy, error, setError, run };
}
