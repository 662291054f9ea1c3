-- Corporation data synced through director characters, and the directors' health.

CREATE TABLE corporation_directors (
    corporation_id       BIGINT NOT NULL,
    character_id         BIGINT NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
    -- Lower runs first; directors of the best priority share the calls round-robin.
    priority             INTEGER NOT NULL DEFAULT 1 CHECK (priority BETWEEN 1 AND 100),
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    healthy              BOOLEAN NOT NULL DEFAULT true,
    last_error           TEXT,
    last_success_at      TIMESTAMPTZ,
    last_failure_at      TIMESTAMPTZ,
    last_used_at         TIMESTAMPTZ,
    added_by             UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (corporation_id, character_id)
);

CREATE TABLE corporation_members (
    corporation_id BIGINT NOT NULL,
    character_id   BIGINT NOT NULL,
    PRIMARY KEY (corporation_id, character_id)
);

CREATE TABLE corporation_sync_status (
    corporation_id BIGINT NOT NULL,
    dataset        TEXT NOT NULL,
    status         TEXT NOT NULL,
    message        TEXT,
    director_id    BIGINT,
    last_sync_at   TIMESTAMPTZ,
    next_sync_at   TIMESTAMPTZ,
    PRIMARY KEY (corporation_id, dataset)
);
