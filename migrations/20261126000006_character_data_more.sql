-- More character datasets: corporation history, portrait, skills and queue, market orders and
-- transactions.

CREATE TABLE character_corporation_history (
    character_id   BIGINT NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
    record_id      BIGINT NOT NULL,
    corporation_id BIGINT NOT NULL,
    start_date     TIMESTAMPTZ NOT NULL,
    is_deleted     BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (character_id, record_id)
);

CREATE TABLE character_portraits (
    character_id BIGINT PRIMARY KEY REFERENCES characters (id) ON DELETE CASCADE,
    px64x64      TEXT,
    px128x128    TEXT,
    px256x256    TEXT,
    px512x512    TEXT
);

CREATE TABLE character_skills (
    character_id         BIGINT NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
    skill_id             INTEGER NOT NULL,
    trained_skill_level  INTEGER NOT NULL,
    active_skill_level   INTEGER NOT NULL,
    skillpoints_in_skill BIGINT NOT NULL,
    PRIMARY KEY (character_id, skill_id)
);

CREATE TABLE character_skill_totals (
    character_id   BIGINT PRIMARY KEY REFERENCES characters (id) ON DELETE CASCADE,
    total_sp       BIGINT NOT NULL,
    unallocated_sp BIGINT
);

CREATE TABLE character_skill_queue (
    character_id   BIGINT NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
    queue_position INTEGER NOT NULL,
    skill_id       INTEGER NOT NULL,
    finished_level INTEGER NOT NULL,
    start_date     TIMESTAMPTZ,
    finish_date    TIMESTAMPTZ,
    PRIMARY KEY (character_id, queue_position)
);

CREATE TABLE character_orders (
    character_id  BIGINT NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
    order_id      BIGINT NOT NULL,
    type_id       INTEGER NOT NULL,
    location_id   BIGINT NOT NULL,
    region_id     INTEGER NOT NULL,
    price         NUMERIC(20, 2) NOT NULL,
    volume_total  INTEGER NOT NULL,
    volume_remain INTEGER NOT NULL,
    is_buy_order  BOOLEAN NOT NULL DEFAULT false,
    issued        TIMESTAMPTZ NOT NULL,
    duration      INTEGER NOT NULL,
    PRIMARY KEY (character_id, order_id)
);

CREATE TABLE character_wallet_transactions (
    character_id   BIGINT NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
    transaction_id BIGINT NOT NULL,
    date           TIMESTAMPTZ NOT NULL,
    type_id        INTEGER NOT NULL,
    location_id    BIGINT NOT NULL,
    quantity       INTEGER NOT NULL,
    unit_price     NUMERIC(20, 2) NOT NULL,
    is_buy         BOOLEAN NOT NULL,
    client_id      BIGINT NOT NULL,
    journal_ref_id BIGINT,
    PRIMARY KEY (character_id, transaction_id)
);

CREATE INDEX character_wallet_transactions_date_idx ON character_wallet_transactions (character_id, date DESC);
