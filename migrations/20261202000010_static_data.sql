-- Static data and names. Owned by the eve-static-data worker.
--
-- The SDE lives in its own schema, `sde`. The importer (`just sde-import`) fills a staging schema built
-- from these tables and swaps it in by renaming schemas in one transaction, so readers see the old
-- import or the new one, never half of one. Names are English; `names` keeps every language.
CREATE SCHEMA sde;

-- The one import that serves: its build number, where it came from, and what was skipped.
CREATE TABLE sde.build (
    build_number  BIGINT NOT NULL,
    release_date  TEXT,
    source        TEXT NOT NULL,
    imported_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    row_counts    JSONB NOT NULL,
    -- Unknown files and fields, reported and skipped.
    skipped       JSONB NOT NULL
);

CREATE TABLE sde.categories (
    category_id INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    names       JSONB NOT NULL,
    published   BOOLEAN NOT NULL
);

CREATE TABLE sde.groups (
    group_id    INTEGER PRIMARY KEY,
    category_id INTEGER NOT NULL,
    name        TEXT NOT NULL,
    names       JSONB NOT NULL,
    published   BOOLEAN NOT NULL
);

CREATE TABLE sde.market_groups (
    market_group_id INTEGER PRIMARY KEY,
    parent_group_id INTEGER,
    name            TEXT NOT NULL,
    names           JSONB NOT NULL
);

CREATE TABLE sde.types (
    type_id         INTEGER PRIMARY KEY,
    group_id        INTEGER NOT NULL,
    market_group_id INTEGER,
    name            TEXT NOT NULL,
    names           JSONB NOT NULL,
    published       BOOLEAN NOT NULL,
    volume          DOUBLE PRECISION
);
-- Name search: prefix through the index, contains by scan (about 50,000 rows).
CREATE INDEX sde_types_name ON sde.types (lower(name) text_pattern_ops);

-- The dogma a skill needs (types of category 16 that carry these attributes).
CREATE TABLE sde.skills (
    type_id             INTEGER PRIMARY KEY,
    rank                INTEGER NOT NULL,
    primary_attribute   INTEGER,
    secondary_attribute INTEGER
);

-- Skills a type requires (a skill's prerequisites, a ship's or a module's requirements), with levels.
CREATE TABLE sde.required_skills (
    type_id  INTEGER NOT NULL,
    skill_id INTEGER NOT NULL,
    level    INTEGER NOT NULL CHECK (level BETWEEN 0 AND 5),
    PRIMARY KEY (type_id, skill_id)
);

CREATE TABLE sde.dogma_attributes (
    attribute_id INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    display_name TEXT
);

CREATE TABLE sde.factions (
    faction_id     INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    names          JSONB NOT NULL,
    corporation_id INTEGER
);

CREATE TABLE sde.regions (
    region_id  INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    names      JSONB NOT NULL,
    faction_id INTEGER
);

CREATE TABLE sde.constellations (
    constellation_id INTEGER PRIMARY KEY,
    region_id        INTEGER NOT NULL,
    name             TEXT NOT NULL,
    names            JSONB NOT NULL
);

CREATE TABLE sde.solar_systems (
    solar_system_id  INTEGER PRIMARY KEY,
    constellation_id INTEGER NOT NULL,
    region_id        INTEGER NOT NULL,
    name             TEXT NOT NULL,
    names            JSONB NOT NULL,
    security         DOUBLE PRECISION NOT NULL
);

CREATE TABLE sde.station_operations (
    operation_id INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    names        JSONB NOT NULL
);

CREATE TABLE sde.npc_corporations (
    corporation_id INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    names          JSONB NOT NULL,
    ticker         TEXT,
    faction_id     INTEGER
);

-- NPC stations; the name is composed at import: `<orbit> - <owner>[ <operation>]`.
CREATE TABLE sde.npc_stations (
    station_id      INTEGER PRIMARY KEY,
    solar_system_id INTEGER NOT NULL,
    type_id         INTEGER NOT NULL,
    owner_id        INTEGER NOT NULL,
    operation_id    INTEGER,
    name            TEXT NOT NULL
);

-- Names of players' entities (characters, corporations, alliances) from ESI, and ids ESI does not know
-- (`unknown`). Refreshed after `refresh_after`; a stale row still serves while ESI cannot answer.
CREATE TABLE eve_entities (
    entity_id     BIGINT PRIMARY KEY,
    category      TEXT NOT NULL,
    name          TEXT,
    ticker        TEXT,
    alliance_id   BIGINT,
    ceo_id        BIGINT,
    member_count  BIGINT,
    resolved_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    refresh_after TIMESTAMPTZ NOT NULL
);
