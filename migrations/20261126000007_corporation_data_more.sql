-- More corporation datasets: member tracking, wallets and their journals, assets, structures, orders.

CREATE TABLE corporation_member_tracking (
    corporation_id BIGINT NOT NULL,
    character_id   BIGINT NOT NULL,
    location_id    BIGINT,
    ship_type_id   INTEGER,
    start_date     TIMESTAMPTZ,
    logon_date     TIMESTAMPTZ,
    logoff_date    TIMESTAMPTZ,
    PRIMARY KEY (corporation_id, character_id)
);

CREATE TABLE corporation_wallets (
    corporation_id BIGINT NOT NULL,
    division       INTEGER NOT NULL CHECK (division BETWEEN 1 AND 7),
    balance        NUMERIC(20, 2) NOT NULL,
    PRIMARY KEY (corporation_id, division)
);

CREATE TABLE corporation_wallet_journal (
    corporation_id BIGINT NOT NULL,
    division       INTEGER NOT NULL,
    id             BIGINT NOT NULL,
    date           TIMESTAMPTZ NOT NULL,
    ref_type       TEXT NOT NULL,
    amount         NUMERIC(20, 2),
    balance        NUMERIC(20, 2),
    description    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (corporation_id, division, id)
);

CREATE TABLE corporation_assets (
    corporation_id BIGINT NOT NULL,
    item_id        BIGINT NOT NULL,
    type_id        INTEGER NOT NULL,
    location_id    BIGINT NOT NULL,
    location_type  TEXT NOT NULL,
    location_flag  TEXT NOT NULL,
    quantity       INTEGER NOT NULL,
    is_singleton   BOOLEAN NOT NULL,
    PRIMARY KEY (corporation_id, item_id)
);

CREATE TABLE corporation_structures (
    corporation_id BIGINT NOT NULL,
    structure_id   BIGINT NOT NULL,
    type_id        INTEGER NOT NULL,
    system_id      INTEGER NOT NULL,
    name           TEXT,
    state          TEXT NOT NULL,
    fuel_expires   TIMESTAMPTZ,
    PRIMARY KEY (corporation_id, structure_id)
);

CREATE TABLE corporation_orders (
    corporation_id  BIGINT NOT NULL,
    order_id        BIGINT NOT NULL,
    type_id         INTEGER NOT NULL,
    location_id     BIGINT NOT NULL,
    region_id       INTEGER NOT NULL,
    price           NUMERIC(20, 2) NOT NULL,
    volume_total    INTEGER NOT NULL,
    volume_remain   INTEGER NOT NULL,
    is_buy_order    BOOLEAN NOT NULL DEFAULT false,
    issued          TIMESTAMPTZ NOT NULL,
    duration        INTEGER NOT NULL,
    wallet_division INTEGER NOT NULL,
    PRIMARY KEY (corporation_id, order_id)
);
