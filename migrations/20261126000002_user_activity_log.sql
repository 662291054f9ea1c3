-- The audit log: who did what to whom, when, from where. Never a token.

CREATE TABLE user_activity_log (
    id            BIGSERIAL PRIMARY KEY,
    at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The user the entry is about (NULL once that user is deleted).
    user_id       UUID REFERENCES users (id) ON DELETE SET NULL,
    -- Who acted, when not the user themselves (an admin).
    actor_user_id UUID REFERENCES users (id) ON DELETE SET NULL,
    character_id  BIGINT,
    action        TEXT NOT NULL,
    detail        JSONB NOT NULL DEFAULT '{}'::jsonb,
    ip            TEXT
);

CREATE INDEX user_activity_log_user_idx ON user_activity_log (user_id, at DESC, id DESC);
CREATE INDEX user_activity_log_at_idx ON user_activity_log (at DESC, id DESC);
