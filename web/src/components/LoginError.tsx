// What a login that did not complete says: the callback sends the browser back with one of its
// error codes (`?login_error=`), never the provider's text.

import { setSearch, useLocation } from "../lib/router";
import { Alert } from "./ui";

const MESSAGES: Record<string, string> = {
  account_disabled: "This account is disabled. Ask a site admin if you think this is a mistake.",
  login_cancelled: "You cancelled the login at EVE SSO.",
  sso_refused: "EVE SSO did not complete the login. Try again.",
  sso_unavailable: "EVE SSO did not complete the login. Try again in a moment.",
  unavailable: "EVE SSO's signing keys are unavailable right now. Try again in a moment.",
  invalid_state: "That login expired or was already used. Start it again.",
  invalid_callback: "The login came back incomplete. Start it again.",
  invalid_token: "EVE SSO returned a token the hub cannot accept.",
  wrong_character:
    "EVE SSO came back with another character. Choose the character you were granting access for.",
  already_linked: "That character belongs to another account here.",
  session_ended: "Your session ended before the login finished. Log in again.",
  too_many_requests: "Too many logins from your address. Wait a minute and try again.",
  discord_taken: "That Discord account is linked to another account here. Unlink it there first.",
  discord_already_linked: "Your account already has a Discord account linked. Unlink it first to link another.",
  discord_unavailable: "Discord did not complete the link. Try again in a moment.",
};

/** The notice for `?login_error=`, dismissed by removing it from the URL; nothing without one. */
export function LoginError() {
  const code = useLocation().search.get("login_error");
  if (!code) return null;
  const message = MESSAGES[code] ?? "The login did not complete. Try again.";
  return (
    <Alert
      kind={code === "login_cancelled" ? "info" : "warning"}
      title="Login not completed"
      onDismiss={() => setSearch({ login_error: null }, { replace: true })}
    >
      <span data-testid="login-error">{message}</span>
    </Alert>
  );
}
