// Modal dialogs on the native <dialog> element (focus is kept inside, Escape closes, the rest of
// the page is inert), and `useConfirm()` for destructive actions.

import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useId,
  useRef,
  useState,
  type FormEvent,
  type ReactNode,
} from "react";
import { Button } from "./ui";
import { Icon } from "./Icon";

export function Dialog({
  open,
  title,
  description,
  onClose,
  children,
  footer,
  onSubmit,
  size = "md",
  initialFocus,
}: {
  open: boolean;
  title: string;
  description?: ReactNode;
  onClose: () => void;
  children?: ReactNode;
  footer?: ReactNode;
  /** Makes the body a form: Enter submits. */
  onSubmit?: (event: FormEvent<HTMLFormElement>) => void;
  size?: "sm" | "md";
  /** A selector inside the dialog to focus when it opens (default: the first field or button). */
  initialFocus?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const previous = useRef<Element | null>(null);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      previous.current = document.activeElement;
      dialog.showModal();
      const target = initialFocus ? dialog.querySelector<HTMLElement>(initialFocus) : null;
      (target ?? dialog.querySelector<HTMLElement>("input, textarea, select, [data-autofocus]"))?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
      if (previous.current instanceof HTMLElement && previous.current.isConnected) previous.current.focus();
    }
  }, [open, initialFocus]);

  // Unmounted while open (a dialog rendered only while needed): close it and give focus back.
  useEffect(() => {
    const dialog = ref.current;
    return () => {
      if (dialog?.open) {
        dialog.close();
        if (previous.current instanceof HTMLElement && previous.current.isConnected) previous.current.focus();
      }
    };
  }, []);

  const body = (
    <>
      <div className="dialog__header">
        <h2 className="dialog__title" id={titleId}>
          {title}
        </h2>
        <button type="button" className="icon-btn" onClick={onClose} aria-label="Close">
          <Icon name="close" />
        </button>
      </div>
      {description ? (
        <div className="dialog__description" id={descriptionId}>
          {description}
        </div>
      ) : null}
      {children ? <div className="dialog__body">{children}</div> : null}
      {footer ? <div className="dialog__footer">{footer}</div> : null}
    </>
  );

  return (
    <dialog
      ref={ref}
      className={`dialog dialog--${size}`}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      onClick={(event) => {
        // A click on the backdrop (the dialog element itself, outside its content) closes it.
        if (event.target === ref.current) onClose();
      }}
    >
      {open ? (
        onSubmit ? (
          <form
            className="dialog__content"
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              onSubmit(event);
            }}
          >
            {body}
          </form>
        ) : (
          <div className="dialog__content">{body}</div>
        )
      ) : null}
    </dialog>
  );
}

export interface ConfirmOptions {
  title: string;
  message: ReactNode;
  confirmLabel: string;
  /** Red confirm button: the action destroys something. */
  danger?: boolean;
}

type Confirm = (options: ConfirmOptions) => Promise<boolean>;

const ConfirmContext = createContext<Confirm>(() => Promise.resolve(false));

export function useConfirm(): Confirm {
  return useContext(ConfirmContext);
}

export function ConfirmProvider({ children }: { children: ReactNode }) {
  const [options, setOptions] = useState<ConfirmOptions | null>(null);
  const resolver = useRef<((value: boolean) => void) | null>(null);

  const confirm = useCallback<Confirm>(
    (next) =>
      new Promise<boolean>((resolve) => {
        resolver.current?.(false);
        resolver.current = resolve;
        setOptions(next);
      }),
    [],
  );

  const settle = (value: boolean) => {
    resolver.current?.(value);
    resolver.current = null;
    setOptions(null);
  };

  return (
    <ConfirmContext.Provider value={confirm}>
      {children}
      <Dialog
        open={options !== null}
        size="sm"
        title={options?.title ?? ""}
        description={options?.message}
        onClose={() => settle(false)}
        initialFocus="[data-autofocus]"
        footer={
          <>
            <Button data-autofocus onClick={() => settle(false)}>
              Cancel
            </Button>
            <Button variant={options?.danger ? "danger" : "primary"} onClick={() => settle(true)}>
              {options?.confirmLabel ?? "Confirm"}
            </Button>
          </>
        }
      />
    </ConfirmContext.Provider>
  );
}
