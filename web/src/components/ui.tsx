// The building blocks every page uses: buttons with progress, states (loading, empty, error),
// alerts, badges, form fields, portraits, times.

import {
  useId,
  useState,
  type ButtonHTMLAttributes,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from "react";
import { errorMessage } from "../api/client";
import { formatDateTime, relativeTime } from "../lib/format";
import { Link } from "../lib/router";
import { Icon, type IconName } from "./Icon";

type Variant = "primary" | "secondary" | "danger" | "ghost";

type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: Variant;
  size?: "sm" | "md";
  /** Shows a spinner, disables the button and announces it as busy. */
  busy?: boolean;
  busyLabel?: string;
  icon?: IconName;
};

export function Button({
  variant = "secondary",
  size = "md",
  busy = false,
  busyLabel,
  icon,
  className = "",
  children,
  disabled,
  type = "button",
  ...rest
}: ButtonProps) {
  return (
    <button
      type={type}
      className={`btn btn--${variant} btn--${size} ${className}`}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      {...rest}
    >
      {busy ? <Spinner small /> : icon ? <Icon name={icon} size={size === "sm" ? 15 : 17} /> : null}
      <span>{busy && busyLabel ? busyLabel : children}</span>
    </button>
  );
}

/** A link styled as a button (for navigation, including full-page ones like the SSO). */
export function ButtonLink({
  to,
  external = false,
  variant = "secondary",
  size = "md",
  icon,
  children,
  className = "",
  ...rest
}: {
  to: string;
  external?: boolean;
  variant?: Variant;
  size?: "sm" | "md";
  icon?: IconName;
  children: ReactNode;
  className?: string;
  "aria-label"?: string;
  title?: string;
}) {
  const cls = `btn btn--${variant} btn--${size} ${className}`;
  const content = (
    <>
      {icon ? <Icon name={icon} size={size === "sm" ? 15 : 17} /> : null}
      <span>{children}</span>
    </>
  );
  return external ? (
    <a className={cls} href={to} {...rest}>
      {content}
    </a>
  ) : (
    <Link className={cls} to={to} {...rest}>
      {content}
    </Link>
  );
}

export function Spinner({ small = false, label }: { small?: boolean; label?: string }) {
  return (
    <span
      className={`spinner${small ? " spinner--sm" : ""}`}
      role={label ? "status" : undefined}
      aria-label={label}
      aria-hidden={label ? undefined : true}
    />
  );
}

/** Placeholder rows while a list loads. */
export function LoadingState({ label = "Loading", rows = 3 }: { label?: string; rows?: number }) {
  return (
    <div className="loading-state" role="status" aria-live="polite">
      <span className="visually-hidden">{label}…</span>
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="skeleton" aria-hidden="true">
          <span className="skeleton__avatar" />
          <span className="skeleton__lines">
            <span className="skeleton__line" />
            <span className="skeleton__line skeleton__line--short" />
          </span>
        </div>
      ))}
    </div>
  );
}

export function EmptyState({
  icon = "inbox",
  title,
  children,
  action,
}: {
  icon?: IconName;
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className="empty-state">
      <span className="empty-state__icon">
        <Icon name={icon} size={28} />
      </span>
      <p className="empty-state__title">{title}</p>
      {children ? <div className="empty-state__text">{children}</div> : null}
      {action ? <div className="empty-state__action">{action}</div> : null}
    </div>
  );
}

export function ErrorState({
  error,
  title = "This could not be loaded",
  onRetry,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
}) {
  return (
    <div className="error-state" role="alert">
      <span className="error-state__icon">
        <Icon name="alert" size={28} />
      </span>
      <p className="error-state__title">{title}</p>
      <p className="error-state__text">{errorMessage(error)}</p>
      {onRetry ? (
        <Button icon="refresh" onClick={onRetry}>
          Try again
        </Button>
      ) : null}
    </div>
  );
}

/** An inline message; errors are announced. */
export function Alert({
  kind = "error",
  title,
  children,
  onDismiss,
}: {
  kind?: "error" | "info" | "success" | "warning";
  title?: string;
  children: ReactNode;
  onDismiss?: () => void;
}) {
  const icon: IconName = kind === "success" ? "check" : kind === "info" ? "info" : "alert";
  return (
    <div className={`alert alert--${kind}`} role={kind === "error" ? "alert" : "status"}>
      <Icon name={icon} />
      <div className="alert__body">
        {title ? <strong className="alert__title">{title}</strong> : null}
        <div>{children}</div>
      </div>
      {onDismiss ? (
        <button type="button" className="icon-btn icon-btn--sm" onClick={onDismiss} aria-label="Dismiss">
          <Icon name="close" size={15} />
        </button>
      ) : null}
    </div>
  );
}

export function Badge({
  tone = "neutral",
  children,
  title,
}: {
  tone?: "neutral" | "accent" | "success" | "warning" | "danger" | "gold";
  children: ReactNode;
  title?: string;
}) {
  return (
    <span className={`badge badge--${tone}`} title={title}>
      {children}
    </span>
  );
}

/** A relative time with the exact one on hover and for machines. */
export function Time({ ms, prefix }: { ms: number; prefix?: string }) {
  return (
    <time dateTime={new Date(ms).toISOString()} title={formatDateTime(ms)}>
      {prefix ? `${prefix} ` : ""}
      {relativeTime(ms)}
    </time>
  );
}

const PORTRAIT_HOST = "https://images.evetech.net";

/** A character portrait from EVE's image server; initials when it cannot be loaded. */
export function Portrait({
  id,
  name,
  size = 64,
  decorative = true,
}: {
  id: number | null | undefined;
  name: string | null | undefined;
  size?: 32 | 40 | 48 | 64 | 96 | 128;
  decorative?: boolean;
}) {
  const [failed, setFailed] = useState(false);
  const label = name ?? "Unknown pilot";
  const cls = `portrait portrait--${size}`;
  if (!id || failed) {
    const initials = label
      .split(/\s+/)
      .map((w) => w.charAt(0))
      .join("")
      .slice(0, 2)
      .toUpperCase();
    return (
      <span
        className={`${cls} portrait--fallback`}
        role={decorative ? undefined : "img"}
        aria-label={decorative ? undefined : `Portrait of ${label}`}
        aria-hidden={decorative ? true : undefined}
      >
        {initials}
      </span>
    );
  }
  const fetchSize = size <= 64 ? 64 : 128;
  return (
    <img
      className={cls}
      src={`${PORTRAIT_HOST}/characters/${id}/portrait?size=${fetchSize}`}
      alt={decorative ? "" : `Portrait of ${label}`}
      width={size}
      height={size}
      loading="lazy"
      decoding="async"
      onError={() => setFailed(true)}
    />
  );
}

interface FieldProps {
  label: string;
  hint?: ReactNode;
  error?: string | null;
  optional?: boolean;
}

function FieldShell({ id, label, hint, error, optional, children }: FieldProps & { id: string; children: ReactNode }) {
  return (
    <div className={`field${error ? " field--invalid" : ""}`}>
      <label className="field__label" htmlFor={id}>
        {label}
        {optional ? <span className="field__optional"> (optional)</span> : null}
      </label>
      {children}
      {hint ? (
        <p className="field__hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field__error" id={`${id}-error`}>
          <Icon name="alert" size={14} /> {error}
        </p>
      ) : null}
    </div>
  );
}

function describedBy(id: string, hint: unknown, error: unknown): string | undefined {
  const ids = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean);
  return ids.length ? ids.join(" ") : undefined;
}

export function TextField({
  label,
  hint,
  error,
  optional,
  ...input
}: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <FieldShell id={id} label={label} hint={hint} error={error} optional={optional}>
      <input
        id={id}
        className="input"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
        {...input}
      />
    </FieldShell>
  );
}

export function TextArea({
  label,
  hint,
  error,
  optional,
  ...input
}: FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId();
  return (
    <FieldShell id={id} label={label} hint={hint} error={error} optional={optional}>
      <textarea
        id={id}
        className="input input--area"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
        {...input}
      />
    </FieldShell>
  );
}

export function SelectField({
  label,
  hint,
  error,
  optional,
  options,
  ...select
}: FieldProps &
  SelectHTMLAttributes<HTMLSelectElement> & { options: { value: string; label: string; disabled?: boolean }[] }) {
  const id = useId();
  return (
    <FieldShell id={id} label={label} hint={hint} error={error} optional={optional}>
      <select
        id={id}
        className="input input--select"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
        {...select}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value} disabled={o.disabled}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}

/** One yes/no setting with its label and an optional hint. */
export function CheckboxField({
  label,
  hint,
  checked,
  onChange,
  disabled,
}: {
  label: string;
  hint?: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className="check">
      <input
        id={id}
        type="checkbox"
        className="check__input"
        checked={checked}
        disabled={disabled}
        onChange={(e) => onChange(e.target.checked)}
        aria-describedby={hint ? `${id}-hint` : undefined}
      />
      <label htmlFor={id} className="check__label">
        {label}
      </label>
      {hint ? (
        <p id={`${id}-hint`} className="check__hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** A group of radio cards (join mode, visibility...). */
export function RadioCards<T extends string>({
  legend,
  name,
  value,
  onChange,
  options,
}: {
  legend: string;
  name: string;
  value: T;
  onChange: (value: T) => void;
  options: { value: T; label: string; description: string; disabled?: boolean }[];
}) {
  return (
    <fieldset className="radio-cards">
      <legend className="field__label">{legend}</legend>
      <div className="radio-cards__grid">
        {options.map((o) => (
          <label key={o.value} className={`radio-card${o.value === value ? " radio-card--checked" : ""}`}>
            <input
              type="radio"
              name={name}
              value={o.value}
              checked={o.value === value}
              disabled={o.disabled}
              onChange={() => onChange(o.value)}
            />
            <span className="radio-card__label">{o.label}</span>
            <span className="radio-card__description">{o.description}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** A page's heading row: title, optional subtitle and actions. */
export function PageHeader({
  title,
  subtitle,
  actions,
  back,
}: {
  title: ReactNode;
  subtitle?: ReactNode;
  actions?: ReactNode;
  back?: { to: string; label: string };
}) {
  return (
    <header className="page-header">
      {back ? (
        <Link className="back-link" to={back.to}>
          <Icon name="back" size={16} /> {back.label}
        </Link>
      ) : null}
      <div className="page-header__row">
        <div className="page-header__titles">
          <h1 className="page-title" tabIndex={-1}>
            {title}
          </h1>
          {subtitle ? <p className="page-subtitle">{subtitle}</p> : null}
        </div>
        {actions ? <div className="page-header__actions">{actions}</div> : null}
      </div>
    </header>
  );
}

export function Card({
  title,
  actions,
  children,
  className = "",
  headingLevel = 2,
}: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  headingLevel?: 2 | 3;
}) {
  const Heading = headingLevel === 2 ? "h2" : "h3";
  return (
    <section className={`card ${className}`}>
      {title || actions ? (
        <div className="card__header">
          {title ? <Heading className="card__title">{title}</Heading> : <span />}
          {actions ? <div className="card__actions">{actions}</div> : null}
        </div>
      ) : null}
      {children}
    </section>
  );
}

/** Tabs as links (each tab is a route): `aria-current` marks the active one. */
export function TabNav({
  label,
  tabs,
  active,
}: {
  label: string;
  tabs: { to: string; key: string; label: string; count?: number }[];
  active: string;
}) {
  return (
    <nav className="tabs" aria-label={label}>
      {tabs.map((t) => (
        <Link
          key={t.key}
          to={t.to}
          className={`tabs__tab${t.key === active ? " tabs__tab--active" : ""}`}
          aria-current={t.key === active ? "page" : undefined}
        >
          {t.label}
          {t.count ? <span className="tabs__count">{t.count}</span> : null}
        </Link>
      ))}
    </nav>
  );
}
