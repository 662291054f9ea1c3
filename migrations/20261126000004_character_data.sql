-- Character data synced from ESI. Ids are BIGINT, ISK amounts NUMERIC; rows go with their character
-- (unlinked or sold characters take their data with them).

CREATE TABLE character_wallets (
    character_id BIGINT PRIMARY KEY REFERENCES characters (id) ON DELETE CASCADE,
    balance      NUMERIC(20, 2) NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE character_wallet_journal (
    character_id BIGINT NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
    id           BIGINT NOT NULL,
    date         TIMESTAMPTZ NOT NULL,
    ref_type     TEXT NOT NULL,
    amount       NUMERIC(20, 2),
    balance      NUMERIC(20, 2),
    description  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (character_id, id)
);

CREATE INDEX character_wallet_journal_date_idx ON character_wallet_journal (character_id, date DESC, id DESC);

CREATE TABLE character_assets (
    character_id  BIGINT NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
    item_id       BIGINT NOT NULL,
    type_id       INTEGER NOT NULL,
    location_id   BIGINT NOT NULL,
    location_type TEXT NOT NULL,
    location_flag TEXT NOT NULL,
    quantity      INTEGER NOT NULL,
    is_singleton  BOOLEAN NOT NULL,
    PRIMARY KEY (character_id, item_id)
);

CREATE INDEX character_assets_location_idx ON character_assets (character_id, location_id, type_id);

-- Per character and dataset: when it last synced, when it syncs next (from ESI's Expires), and how
-- it went (ok, unchanged, error, token_invalid, missing_scope).
CREATE TABLE character_sync_status (
    character_id BIGINT NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
    dataset      TEXT NOT NULL,
    status       TEXT NOT NULL,
    message      TEXT,
    last_sync_at TIMESTAMPTZ,
    next_sync_at TIMESTAMPTZ,
    PRIMARY KEY (character_id, dataset)
);
