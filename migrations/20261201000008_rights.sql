-- Who may do what: site admins and bans are properties of accounts; corporation rights come from
-- in-game roles read from ESI; the corporations the hub serves are registered.

-- Site admins are accounts. The configured character ids only bootstrap the first ones: at a
-- configured character's first login its account is granted admin and its owner hash recorded, so a
-- later owner (a buyer) never inherits the right.
ALTER TABLE users
    ADD COLUMN is_site_admin   BOOLEAN NOT NULL DEFAULT false,
    -- A banned user: every session ended, logins refused, everything held here suspended.
    ADD COLUMN disabled_at     TIMESTAMPTZ,
    ADD COLUMN disabled_reason TEXT CHECK (length(disabled_reason) <= 500),
    ADD COLUMN disabled_by     UUID REFERENCES users (id) ON DELETE SET NULL;

CREATE INDEX users_site_admin_idx ON users (id) WHERE is_site_admin;

CREATE TABLE site_admin_bootstraps (
    character_id BIGINT PRIMARY KEY,
    owner_hash   TEXT NOT NULL,
    user_id      UUID REFERENCES users (id) ON DELETE SET NULL,
    granted_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A character's corporation roles as ESI last answered them with the character's own token
-- (`GET /characters/{id}/roles/`), for the corporation it was in at that sync. Owned by the
-- eve-character-data worker. Rights read it only while it is fresh.
CREATE TABLE character_roles (
    character_id   BIGINT PRIMARY KEY REFERENCES characters (id) ON DELETE CASCADE,
    corporation_id BIGINT NOT NULL,
    roles          TEXT[] NOT NULL,
    synced_at      TIMESTAMPTZ NOT NULL
);

CREATE INDEX character_roles_corporation_idx ON character_roles (corporation_id);

-- Public corporation information from ESI (`GET /corporations/{id}/`): name, ticker, CEO. Owned by
-- the eve-corporation-data worker; refreshed on the characters' sync schedule.
CREATE TABLE eve_corporations (
    corporation_id BIGINT PRIMARY KEY,
    name           TEXT NOT NULL,
    ticker         TEXT NOT NULL,
    alliance_id    BIGINT,
    ceo_id         BIGINT,
    member_count   INTEGER,
    synced_at      TIMESTAMPTZ NOT NULL
);

-- The corporations the hub serves. Owned by the eve-corporation-data worker.
CREATE TABLE managed_corporations (
    corporation_id    BIGINT PRIMARY KEY,
    is_member         BOOLEAN NOT NULL DEFAULT false,
    is_alt            BOOLEAN NOT NULL DEFAULT false,
    is_special        BOOLEAN NOT NULL DEFAULT false,
    is_recruiting     BOOLEAN NOT NULL DEFAULT false,
    short_description TEXT NOT NULL DEFAULT '' CHECK (length(short_description) <= 280),
    description       TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    -- Whether the corporation's data syncs by alarm (directors' tokens), or only on request.
    background_sync   BOOLEAN NOT NULL DEFAULT true,
    registered_via    TEXT NOT NULL CHECK (registered_via IN ('site_admin', 'director_login')),
    registered_by     UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX managed_corporations_recruiting_idx ON managed_corporations (corporation_id)
    WHERE is_member AND is_recruiting;
