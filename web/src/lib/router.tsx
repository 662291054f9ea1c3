// A small History API router: the current location as an external store, `navigate`, `<Link>`,
// and path patterns with `:params`. The ui worker answers unknown extension-less paths with
// index.html, so every route here survives a reload.

import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from "react";

type Listener = () => void;
const listeners = new Set<Listener>();

function notify(): void {
  for (const listener of listeners) listener();
}

window.addEventListener("popstate", notify);

function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const snapshot = () => window.location.pathname + window.location.search;

export interface Location {
  pathname: string;
  search: URLSearchParams;
  /** pathname + search */
  href: string;
}

let cached: Location | null = null;

function currentLocation(): Location {
  const href = snapshot();
  if (!cached || cached.href !== href) {
    cached = {
      pathname: window.location.pathname,
      search: new URLSearchParams(window.location.search),
      href,
    };
  }
  return cached;
}

export function useLocation(): Location {
  return useSyncExternalStore(subscribe, currentLocation);
}

export interface NavigateOptions {
  replace?: boolean;
  /** Keep the scroll position (query changes within a page). */
  keepScroll?: boolean;
}

export function navigate(to: string, options: NavigateOptions = {}): void {
  if (to === snapshot()) return;
  if (options.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  if (!options.keepScroll) window.scrollTo(0, 0);
  notify();
}

/** Replaces some query parameters of the current page (empty values are removed). */
export function setSearch(params: Record<string, string | null | undefined>, options: NavigateOptions = {}): void {
  const search = new URLSearchParams(window.location.search);
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === "") search.delete(key);
    else search.set(key, value);
  }
  const text = search.toString();
  navigate(window.location.pathname + (text ? `?${text}` : ""), { keepScroll: true, ...options });
}

/** Matches `/groups/:id` against a pathname; the params, or null. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const have = pathname.replace(/\/+$/, "").split("/").filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const h = have[i]!;
    if (w.startsWith(":")) {
      try {
        params[w.slice(1)] = decodeURIComponent(h);
      } catch {
        return null;
      }
    } else if (w !== h) {
      return null;
    }
  }
  return params;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, "href"> & {
  to: string;
  replace?: boolean;
  children?: ReactNode;
};

/** An `<a>` that navigates within the app (modified clicks still open new tabs). */
export function Link({ to, replace, onClick, children, ...rest }: LinkProps) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey ||
      (rest.target && rest.target !== "_self")
    ) {
      return;
    }
    event.preventDefault();
    navigate(to, { replace });
  };
  return (
    <a href={to} onClick={handle} {...rest}>
      {children}
    </a>
  );
}

/** A navigation link that marks itself `aria-current="page"` when active. */
export function NavLink({ to, exact = false, className = "", ...rest }: LinkProps & { exact?: boolean }) {
  const { pathname } = useLocation();
  const path = to.split("?")[0]!;
  const active = exact ? pathname === path : pathname === path || pathname.startsWith(`${path}/`);
  return (
    <Link
      to={to}
      className={`${className}${active ? " active" : ""}`}
      aria-current={active ? "page" : undefined}
      {...rest}
    />
  );
}
