-- Discord: linked accounts, the guilds the hub serves, the roles it manages there, what entitles a
-- user to them, and how each member's last sync went. Owned by the discord worker.

-- One Discord account per user, one user per Discord account (both unique). The tokens are sealed
-- with the vault (purpose `discord-oauth`, bound to the Discord user id).
CREATE TABLE discord_accounts (
    user_id          UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    discord_user_id  TEXT NOT NULL UNIQUE CHECK (discord_user_id ~ '^[0-9]{1,20}$'),
    username         TEXT NOT NULL,
    global_name      TEXT,
    linked_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The grant stopped working (revoked at Discord, or a refresh answered invalid_grant).
    needs_relink     BOOLEAN NOT NULL DEFAULT false,
    tokens           BYTEA NOT NULL,
    access_expires_at TIMESTAMPTZ NOT NULL,
    -- Counts token writes: a refresh stores its rotated refresh token only over the version it read.
    token_version    BIGINT NOT NULL DEFAULT 1
);

-- A guild the bot has joined and a site admin registered.
CREATE TABLE discord_guilds (
    guild_id        TEXT PRIMARY KEY CHECK (guild_id ~ '^[0-9]{1,20}$'),
    name            TEXT NOT NULL,
    owner_id        TEXT NOT NULL,
    -- The bot's highest role when last read (position, and id for ties): it manages only roles below it.
    bot_position    BIGINT NOT NULL,
    bot_role_id     TEXT,
    -- Group owners and admins may attach this guild's managed roles to their groups.
    allow_groups    BOOLEAN NOT NULL DEFAULT false,
    -- What happens to a member who loses every entitlement: `remove_roles` (the managed ones) or `kick`.
    lose_policy     TEXT NOT NULL DEFAULT 'remove_roles' CHECK (lose_policy IN ('remove_roles', 'kick')),
    -- Nicknames from the primary character: NULL (untouched), `name`, or `ticker_name` ("[TICKER] Name").
    nickname_format TEXT CHECK (nickname_format IN ('name', 'ticker_name')),
    -- Bumped by every change of the guild's configuration: a member whose sync failed on a
    -- configuration problem (the bot cannot manage a role) is retried once it changes.
    config_version  BIGINT NOT NULL DEFAULT 1,
    registered_by   UUID REFERENCES users (id) ON DELETE SET NULL,
    registered_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    refreshed_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The guild's roles as Discord last listed them; `managed` marks those the hub manages (it never
-- touches the others).
CREATE TABLE discord_roles (
    guild_id TEXT NOT NULL REFERENCES discord_guilds (guild_id) ON DELETE CASCADE,
    role_id  TEXT NOT NULL,
    name     TEXT NOT NULL,
    position BIGINT NOT NULL,
    managed  BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (guild_id, role_id)
);

-- What entitles a user to a managed role: a group's membership, a managed corporation or an
-- alliance one of their characters is in, or being linked at all (`everyone`).
CREATE TABLE discord_attachments (
    id          UUID PRIMARY KEY,
    guild_id    TEXT NOT NULL,
    role_id     TEXT NOT NULL,
    target_kind TEXT NOT NULL CHECK (target_kind IN ('group', 'corporation', 'alliance', 'everyone')),
    group_id    UUID REFERENCES groups (id) ON DELETE CASCADE,
    entity_id   BIGINT,
    -- Add the user to the guild when they are not in it.
    auto_invite BOOLEAN NOT NULL DEFAULT true,
    -- Give the role.
    auto_assign BOOLEAN NOT NULL DEFAULT true,
    created_by  UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (guild_id, role_id) REFERENCES discord_roles (guild_id, role_id) ON DELETE CASCADE,
    CHECK ((target_kind = 'group') = (group_id IS NOT NULL)),
    CHECK ((target_kind IN ('corporation', 'alliance')) = (entity_id IS NOT NULL))
);

CREATE UNIQUE INDEX discord_attachments_unique_idx
    ON discord_attachments (guild_id, role_id, target_kind, coalesce(group_id::text, ''), coalesce(entity_id, 0));
CREATE INDEX discord_attachments_group_idx ON discord_attachments (group_id) WHERE group_id IS NOT NULL;

-- How a member's last sync with a guild went, as the user sees it.
CREATE TABLE discord_member_status (
    user_id        UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    guild_id       TEXT NOT NULL REFERENCES discord_guilds (guild_id) ON DELETE CASCADE,
    -- `joined`, `not_joined` (no entitlement asks for it), `left` (10007: not in the guild).
    membership     TEXT NOT NULL CHECK (membership IN ('joined', 'not_joined', 'left')),
    -- The managed roles the hub gave (or keeps) on the member.
    roles          TEXT[] NOT NULL DEFAULT '{}',
    -- `needs_relink`, `cannot_manage_role`, `too_many_guilds`, `unavailable`, or NULL.
    problem        TEXT CHECK (problem IN ('needs_relink', 'cannot_manage_role', 'too_many_guilds', 'unavailable')),
    problem_detail TEXT,
    -- The guild configuration the last sync saw (a configuration problem waits for a newer one).
    config_version BIGINT NOT NULL,
    synced_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, guild_id)
);
