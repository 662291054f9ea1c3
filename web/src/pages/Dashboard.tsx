import type { ReactNode } from "react";
import { CHARACTER_DATA_SCOPES, grantUrl, holdsScopes, linkCharacterUrl } from "../api/client";
import { endpoints } from "../api/endpoints";
import type { CharacterToken, MeCharacter } from "../api/types";
import { useConfirm } from "../components/Dialog";
import { DiscordCard } from "../components/discord";
import { Icon } from "../components/Icon";
import {
  Badge,
  Button,
  ButtonLink,
  Card,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  Portrait,
  Time,
} from "../components/ui";
import { plural } from "../lib/format";
import { useReady, useTitle } from "../lib/hooks";
import { useNotifications } from "../lib/notifications";
import { mutate, useApiQuery } from "../lib/query";
import { Link } from "../lib/router";
import { EveName, useNames } from "../lib/names";
import { useMe } from "../lib/session";
import { useAction } from "../lib/useAction";
import "../styles/dashboard.css";

export function Dashboard() {
  const me = useMe();
  useTitle("Dashboard");
  useReady(true);
  const characters = [...me.user.characters].sort(
    (a, b) => Number(b.is_primary) - Number(a.is_primary) || a.name.localeCompare(b.name),
  );
  const primary = characters.find((c) => c.is_primary) ?? characters[0];

  const attention = characters.filter((c) => c.token?.status !== "valid").length;

  return (
    <div className="page">
      <PageHeader
        title={primary ? `Welcome back, ${primary.name}` : "Welcome"}
        subtitle={
          <>
            Session expires <Time ms={me.session.expires_at_ms} />
            {me.is_admin ? " · You are a site admin" : ""}
          </>
        }
        actions={
          <ButtonLink to={linkCharacterUrl("/")} external variant="primary" icon="plus">
            Add a character
          </ButtonLink>
        }
      />
      <div className="dashboard">
        <Card
          className="dashboard__characters"
          title={
            <>
              Characters <span className="card__count">{characters.length}</span>
            </>
          }
          actions={
            attention > 0 ? (
              <Badge tone="warning">{plural(attention, "needs attention", "need attention")}</Badge>
            ) : (
              <Badge tone="success">All tokens healthy</Badge>
            )
          }
        >
          <ul className="character-list">
            {characters.map((c) => (
              <CharacterRow key={c.id} character={c} only={characters.length === 1} />
            ))}
          </ul>
          <div className="character-list__add">
            <Icon name="link" size={16} />
            <span>
              Have an alt? <a href={linkCharacterUrl("/")}>Link another character</a> by logging in with it at EVE
              Online.
            </span>
          </div>
          <p className="scope-note">
            Logging in lets the hub read who your character is and its corporation roles (rights here follow them).
            Wallet, assets, skills and orders are read only after you grant data access for a character.
          </p>
        </Card>
        <div className="dashboard__side">
          <MyGroupsCard />
          <DiscordCard />
          <InvitationsCard />
          <NotificationsCard />
        </div>
      </div>
    </div>
  );
}

function tokenSummary(token: CharacterToken | null): {
  tone: "success" | "warning" | "danger" | "neutral";
  label: string;
  detail: ReactNode;
} {
  if (!token) {
    return { tone: "neutral", label: "No token", detail: "No EVE token is stored. Re-authorize to store one." };
  }
  switch (token.status) {
    case "valid":
      return {
        tone: "success",
        label: "Token valid",
        detail: (
          <>
            Access token good until <Time ms={token.access_expires_at_ms} />; it refreshes on its own.
          </>
        ),
      };
    case "retrying":
      return {
        tone: "warning",
        label: "Refresh retrying",
        detail: (
          <>
            EVE SSO did not answer ({plural(token.failures, "failure")}). Next try <Time ms={token.next_retry_at_ms} />.
          </>
        ),
      };
    case "invalid":
      return {
        tone: "danger",
        label: "Token invalid",
        detail: (
          <>
            {token.reason}. Since <Time ms={token.since_ms} />. Re-authorize this character to restore access.
          </>
        ),
      };
    default:
      return { tone: "neutral", label: "Status unknown", detail: `${token.reason}. Try checking again.` };
  }
}

function CharacterRow({ character, only }: { character: MeCharacter; only: boolean }) {
  const confirm = useConfirm();
  // Each change makes the account stale: the list refreshes (after a failure too, which may say
  // the token went bad) before the busy mark clears.
  const { busy, run } = useAction<"check" | "primary" | "unlink">();
  const summary = tokenSummary(character.token);
  const healthy = character.token?.status === "valid";
  const granted = character.token && "scopes" in character.token ? character.token.scopes : character.scopes;
  const hasData = holdsScopes(granted, CHARACTER_DATA_SCOPES);
  const params = { characterId: character.id };
  const names = useNames([character.corporation_id, character.alliance_id]);
  const failure = `${character.name}: that did not work`;

  const check = () =>
    run("check", () => mutate(endpoints.checkToken, { params }), {
      success: (result) => ({
        kind: "success",
        title: `${character.name}'s token works`,
        body: `Access confirmed until ${new Date(result.expires_at_ms).toLocaleTimeString()}.`,
      }),
      failure,
    });

  const makePrimary = () =>
    run("primary", () => mutate(endpoints.setPrimary, { body: { character_id: character.id } }), {
      success: `${character.name} is now your primary character`,
      failure,
    });

  const unlink = async () => {
    const ok = await confirm({
      title: `Unlink ${character.name}?`,
      message: (
        <p>
          The hub revokes this character's EVE token and removes it from your account. Groups that rely on it may no
          longer see it. You can link it again later by logging in with it.
        </p>
      ),
      confirmLabel: "Unlink character",
      danger: true,
    });
    if (!ok) return;
    await run("unlink", () => mutate(endpoints.unlinkCharacter, { params }), {
      success: `${character.name} was unlinked`,
      failure,
    });
  };

  return (
    <li className="character" data-testid={`character-${character.id}`}>
      <Portrait id={character.id} name={character.name} size={64} />
      <div className="character__main">
        <div className="character__name-row">
          <h3 className="character__name">{character.name}</h3>
          {character.is_primary ? (
            <Badge tone="gold">
              <Icon name="star" size={12} /> Primary
            </Badge>
          ) : null}
        </div>
        <p className="character__meta">
          {character.corporation_id ? (
            <>
              <EveName id={character.corporation_id} kind="Corporation" state={names(character.corporation_id)} />
              {character.alliance_id ? (
                <>
                  {" · "}
                  <EveName id={character.alliance_id} kind="Alliance" state={names(character.alliance_id)} />
                </>
              ) : null}
              {" · "}
            </>
          ) : null}
          <span title={`Character #${character.id}`}>{plural(character.scopes.length, "scope")}</span>
        </p>
        {!hasData ? (
          <p className="scope-note">
            Grant data access to sync this character's wallet, assets, skills and orders: at EVE SSO, choose{" "}
            {character.name} and allow what the hub asks for.
          </p>
        ) : null}
        <div className="token">
          <Badge tone={summary.tone}>
            <span className={`dot dot--${summary.tone}`} aria-hidden="true" /> {summary.label}
          </Badge>
          <span className="token__detail">{summary.detail}</span>
        </div>
      </div>
      <div className="character__actions">
        {!hasData ? (
          <ButtonLink
            to={grantUrl(character.id, "character_data", `/characters/${character.id}`)}
            external
            variant="primary"
            size="sm"
            icon="key"
            aria-label={`Grant data access: ${character.name}`}
          >
            Grant data access
          </ButtonLink>
        ) : null}
        <ButtonLink
          to={`/characters/${character.id}`}
          size="sm"
          icon="list"
          aria-label={`Wallet & assets: ${character.name}`}
        >
          Wallet &amp; assets
        </ButtonLink>
        {/* Logging in with the character again stores a fresh token (and its current scopes). */}
        <ButtonLink
          to={linkCharacterUrl("/")}
          external
          variant={healthy ? "secondary" : "primary"}
          size="sm"
          icon="key"
          className={healthy ? "character__reauth" : "character__reauth character__reauth--first"}
          aria-label={`Re-authorize: ${character.name}`}
        >
          Re-authorize
        </ButtonLink>
        <Button
          size="sm"
          icon="refresh"
          onClick={check}
          busy={busy === "check"}
          busyLabel="Checking…"
          disabled={busy !== null}
          aria-label={`Check token: ${character.name}`}
        >
          Check token
        </Button>
        {!character.is_primary ? (
          <Button
            size="sm"
            icon="star"
            onClick={makePrimary}
            busy={busy === "primary"}
            busyLabel="Saving…"
            disabled={busy !== null}
            aria-label={`Make primary: ${character.name}`}
          >
            Make primary
          </Button>
        ) : null}
        <Button
          size="sm"
          variant="ghost"
          icon="unlink"
          className="btn--danger-text"
          onClick={unlink}
          busy={busy === "unlink"}
          busyLabel="Unlinking…"
          disabled={busy !== null || only}
          title={only ? "Your account keeps at least one character" : undefined}
          aria-label={`Unlink: ${character.name}`}
        >
          Unlink
        </Button>
      </div>
    </li>
  );
}

function MyGroupsCard() {
  const groups = useApiQuery(endpoints.groups, { query: { mine: true } });
  return (
    <Card title="Your groups" actions={<Link to="/groups">Browse</Link>} headingLevel={2}>
      {groups.isPending ? (
        <LoadingState rows={2} label="Loading your groups" />
      ) : !groups.data ? (
        <ErrorState error={groups.error} onRetry={() => void groups.refetch()} />
      ) : groups.data.groups.length === 0 ? (
        <EmptyState
          icon="users"
          title="No groups yet"
          action={
            <ButtonLink to="/groups" size="sm">
              Find a group
            </ButtonLink>
          }
        >
          Join your corporation's groups to get access to its services.
        </EmptyState>
      ) : (
        <ul className="mini-list">
          {groups.data.groups.slice(0, 6).map((g) => (
            <li key={g.id}>
              <Link to={`/groups/${g.id}`} className="mini-list__link">
                <span className="mini-list__name">{g.name}</span>
                <span className="mini-list__meta">
                  {g.is_owner ? "Owner" : g.is_admin ? "Admin" : "Member"} · {plural(g.member_count, "member")}
                </span>
              </Link>
            </li>
          ))}
          {groups.data.groups.length > 6 ? (
            <li>
              <Link to="/groups/mine" className="mini-list__more">
                All {groups.data.groups.length} groups
              </Link>
            </li>
          ) : null}
        </ul>
      )}
    </Card>
  );
}

function InvitationsCard() {
  const invitations = useApiQuery(endpoints.invitations);
  const count = invitations.data?.invitations.length ?? 0;
  if (count === 0) return null;
  return (
    <Card title="Invitations" headingLevel={2}>
      <p className="side-note">
        <Icon name="mail" /> You have {plural(count, "pending invitation")}.
      </p>
      <ButtonLink to="/groups/invitations" variant="primary" size="sm">
        Review invitations
      </ButtonLink>
    </Card>
  );
}

function NotificationsCard() {
  const { unreadCount } = useNotifications();
  return (
    <Card title="Notifications" headingLevel={2}>
      <p className="side-note">
        <Icon name="bell" />
        {unreadCount === 0 ? "You are all caught up." : `${plural(unreadCount, "unread notification")}.`}
      </p>
      <Link to="/notifications">Open notifications</Link>
    </Card>
  );
}
