import { useEffect, useState, type RefObject } from "react";

const APP_NAME = "EVE Auth Hub";

/** Sets the document title: "Groups · EVE Auth Hub". */
export function useTitle(title: string | null | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · ${APP_NAME}` : APP_NAME;
  }, [title]);
}

let interactiveMarked = false;

/**
 * Marks `hub:interactive` (performance timeline) the first time a page has its data on screen:
 * the browser test reads it as time to interactive.
 */
export function useReady(ready: boolean): void {
  useEffect(() => {
    if (!ready || interactiveMarked) return;
    interactiveMarked = true;
    requestAnimationFrame(() => {
      performance.mark("hub:interactive");
      document.documentElement.dataset.ready = "true";
    });
  }, [ready]);
}

/**
 * A disclosure (menu, bell panel): open state, closed by Escape (focus back on the button) and by
 * a click or focus outside `container`.
 */
export function useDisclosure(
  container: RefObject<HTMLElement | null>,
  button: RefObject<HTMLElement | null>,
): [boolean, (open: boolean) => void] {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!open) return undefined;
    const onPointer = (event: PointerEvent) => {
      if (container.current && !container.current.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        setOpen(false);
        button.current?.focus();
      }
    };
    const onFocus = (event: FocusEvent) => {
      if (container.current && event.target instanceof Node && !container.current.contains(event.target)) {
        setOpen(false);
      }
    };
    document.addEventListener("pointerdown", onPointer);
    document.addEventListener("keydown", onKey);
    document.addEventListener("focusin", onFocus);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("focusin", onFocus);
    };
  }, [open, container, button]);
  return [open, setOpen];
}

/** A value that follows `value` after `delay` ms without changes (search boxes). */
export function useDebounced<T>(value: T, delay = 300): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), delay);
    return () => window.clearTimeout(timer);
  }, [value, delay]);
  return debounced;
}
