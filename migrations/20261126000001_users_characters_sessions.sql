-- Users, their EVE characters, and browser sessions.
-- EVE ids are BIGINT. Timestamps carry time zones. Session tokens are never stored: only their SHA-256.

CREATE TABLE users (
    id                UUID PRIMARY KEY,
    main_character_id BIGINT,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE characters (
    id             BIGINT PRIMARY KEY,
    user_id        UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    -- EVE's owner hash changes when the character is sold: the transfer signal.
    owner_hash     TEXT NOT NULL,
    corporation_id BIGINT,
    alliance_id    BIGINT,
    scopes         TEXT[] NOT NULL DEFAULT '{}',
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX characters_user_id_idx ON characters (user_id);

ALTER TABLE users
    ADD CONSTRAINT users_main_character_fk FOREIGN KEY (main_character_id)
        REFERENCES characters (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE sessions (
    id                  UUID PRIMARY KEY,
    user_id             UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_sha256        BYTEA NOT NULL UNIQUE CHECK (octet_length(token_sha256) = 32),
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    idle_expires_at     TIMESTAMPTZ NOT NULL,
    absolute_expires_at TIMESTAMPTZ NOT NULL,
    ended_at            TIMESTAMPTZ,
    end_reason          TEXT,
    ip                  TEXT,
    user_agent          TEXT
);

CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_active_idx ON sessions (user_id) WHERE ended_at IS NULL;
