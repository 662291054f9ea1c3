import { loginUrl } from "../api/client";
import { Icon, Logo } from "../components/Icon";
import { LoginError } from "../components/LoginError";
import { Alert } from "../components/ui";
import { useReady, useTitle } from "../lib/hooks";
import "../styles/login.css";

export function LoginPage({
  returnTo,
  ended,
  inviteCode,
}: {
  returnTo: string;
  ended: boolean;
  inviteCode: string | null;
}) {
  useTitle("Log in");
  useReady(true);
  const target = returnTo.startsWith("/login") || returnTo.includes("login_error=") ? "/" : returnTo;

  return (
    <div className="login">
      <main className="login__main" id="main">
        <div className="login__card">
          <div className="login__brand">
            <Logo size={44} />
            <span className="brand__name brand__name--large">
              EVE <strong>Auth Hub</strong>
            </span>
          </div>
          <h1 className="login__title">
            {inviteCode ? "You have been invited to a group" : "Your corporation's front door"}
          </h1>
          <p className="login__lead">
            {inviteCode
              ? "Log in with your EVE Online character to accept the invitation."
              : "Link your characters, join your groups and keep your access in order, with one EVE Online login."}
          </p>
          <LoginError />
          {ended ? (
            <Alert kind="info" title="You have been logged out">
              Your session ended or was ended from another device. Log in again to continue.
            </Alert>
          ) : null}
          {inviteCode ? (
            <p className="login__invite">
              Invite code <code className="code">{inviteCode}</code>
            </p>
          ) : null}
          <a className="btn btn--eve" href={loginUrl(target)}>
            <Logo size={22} />
            <span>Log in with EVE Online</span>
          </a>
          <p className="login__fine">
            You sign in at EVE Online's login page. The hub never sees your password; it only learns which character you
            chose.
          </p>
        </div>
        <ul className="login__features" aria-label="What you can do">
          <li>
            <Icon name="users" size={22} />
            <div>
              <strong>Groups</strong>
              <span>Browse, request access and get approved live.</span>
            </div>
          </li>
          <li>
            <Icon name="key" size={22} />
            <div>
              <strong>Characters</strong>
              <span>Link your alts and keep their tokens healthy.</span>
            </div>
          </li>
          <li>
            <Icon name="shield" size={22} />
            <div>
              <strong>Sessions</strong>
              <span>See where you are logged in and end what you do not recognise.</span>
            </div>
          </li>
        </ul>
      </main>
    </div>
  );
}
