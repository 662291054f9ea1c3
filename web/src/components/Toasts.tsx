// Toasts: short messages in a live region at the corner of the screen (success of an action, a
// live notification). They leave on their own unless hovered or focused.

import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { Link } from "../lib/router";
import { Icon, type IconName } from "./Icon";

export interface ToastInput {
  title: string;
  body?: string;
  kind?: "info" | "success" | "error" | "notification";
  /** An in-app link shown as the toast's action. */
  href?: string;
  hrefLabel?: string;
  /** Milliseconds on screen; 0 keeps it until closed. */
  duration?: number;
  onOpen?: () => void;
}

interface ToastItem extends ToastInput {
  id: number;
}

type Push = (toast: ToastInput) => void;

const ToastContext = createContext<Push>(() => {});

export function useToast(): Push {
  return useContext(ToastContext);
}

const MAX_VISIBLE = 4;
let nextId = 1;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<ToastItem[]>([]);

  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);

  const push = useCallback<Push>((toast) => {
    const item = { ...toast, id: nextId++ };
    setToasts((all) => [...all, item].slice(-MAX_VISIBLE));
  }, []);

  return (
    <ToastContext.Provider value={push}>
      {children}
      <div className="toasts" aria-live="polite" aria-relevant="additions" role="region" aria-label="Notifications">
        {toasts.map((t) => (
          <Toast key={t.id} toast={t} onDismiss={() => dismiss(t.id)} />
        ))}
      </div>
    </ToastContext.Provider>
  );
}

function Toast({ toast, onDismiss }: { toast: ToastItem; onDismiss: () => void }) {
  const [paused, setPaused] = useState(false);
  const remaining = useRef(toast.duration ?? (toast.kind === "error" ? 9000 : 6000));
  const started = useRef(Date.now());

  useEffect(() => {
    if (paused || remaining.current <= 0) return undefined;
    started.current = Date.now();
    const timer = window.setTimeout(onDismiss, remaining.current);
    return () => {
      window.clearTimeout(timer);
      remaining.current -= Date.now() - started.current;
    };
  }, [paused, onDismiss]);

  const kind = toast.kind ?? "info";
  const icon: IconName =
    kind === "success" ? "check" : kind === "error" ? "alert" : kind === "notification" ? "bell" : "info";
  return (
    <div
      className={`toast toast--${kind}`}
      role={kind === "error" ? "alert" : "status"}
      data-testid="toast"
      onMouseEnter={() => setPaused(true)}
      onMouseLeave={() => setPaused(false)}
      onFocus={() => setPaused(true)}
      onBlur={() => setPaused(false)}
    >
      <span className="toast__icon">
        <Icon name={icon} />
      </span>
      <div className="toast__body">
        <p className="toast__title">{toast.title}</p>
        {toast.body ? <p className="toast__text">{toast.body}</p> : null}
        {toast.href ? (
          <Link
            className="toast__action"
            to={toast.href}
            onClick={() => {
              toast.onOpen?.();
              onDismiss();
            }}
          >
            {toast.hrefLabel ?? "Open"}
          </Link>
        ) : null}
      </div>
      <button type="button" className="icon-btn icon-btn--sm" onClick={onDismiss} aria-label="Dismiss">
        <Icon name="close" size={15} />
      </button>
    </div>
  );
}
