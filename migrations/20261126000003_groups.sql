-- Groups: categories, groups, members and admins, and every way in: open joins, join requests,
-- invitations, invite codes, and affiliation rules. Every membership change is logged.
-- Enumerations are TEXT with CHECK constraints (readable in SQL, no enum-type migrations).

CREATE TABLE group_categories (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    -- Who may create groups in it.
    permission  TEXT NOT NULL CHECK (permission IN ('anyone', 'admin_only')),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE groups (
    id          UUID PRIMARY KEY,
    -- A category with groups cannot be deleted: the groups go first.
    category_id UUID NOT NULL REFERENCES group_categories (id) ON DELETE RESTRICT,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    visibility  TEXT NOT NULL CHECK (visibility IN ('public', 'hidden', 'system')),
    join_mode   TEXT NOT NULL CHECK (join_mode IN ('open', 'approval', 'invitation_only')),
    owner_id    UUID NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (category_id, name)
);

CREATE INDEX groups_category_idx ON groups (category_id, name);

-- The owner is always a member and counts as an admin.
CREATE TABLE group_members (
    group_id  UUID NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id   UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- How they got in: manual (open join or added), approval, invitation, code, rule, owner.
    source    TEXT NOT NULL CHECK (source IN ('manual', 'approval', 'invitation', 'code', 'rule', 'owner')),
    joined_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, user_id)
);

CREATE INDEX group_members_user_idx ON group_members (user_id);

CREATE TABLE group_admins (
    group_id UUID NOT NULL,
    user_id  UUID NOT NULL,
    added_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, user_id),
    -- An admin stops being one when they stop being a member.
    FOREIGN KEY (group_id, user_id) REFERENCES group_members (group_id, user_id) ON DELETE CASCADE
);

CREATE INDEX group_admins_user_idx ON group_admins (user_id);

CREATE TABLE group_join_requests (
    id         UUID PRIMARY KEY,
    group_id   UUID NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message    TEXT NOT NULL DEFAULT '' CHECK (length(message) <= 500),
    status     TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    decided_at TIMESTAMPTZ,
    decided_by UUID REFERENCES users (id) ON DELETE SET NULL
);

CREATE UNIQUE INDEX group_join_requests_pending_idx ON group_join_requests (group_id, user_id)
    WHERE status = 'pending';
CREATE INDEX group_join_requests_user_idx ON group_join_requests (user_id) WHERE status = 'pending';

CREATE TABLE group_invitations (
    id           UUID PRIMARY KEY,
    group_id     UUID NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    -- Invitations name a character; they reach the user who holds it.
    character_id BIGINT NOT NULL,
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    invited_by   UUID REFERENCES users (id) ON DELETE SET NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'revoked')),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    responded_at TIMESTAMPTZ
);

CREATE UNIQUE INDEX group_invitations_pending_idx ON group_invitations (group_id, user_id)
    WHERE status = 'pending';
CREATE INDEX group_invitations_user_idx ON group_invitations (user_id) WHERE status = 'pending';

-- Invite codes are bearer secrets: only their SHA-256 is stored; the code is shown once.
CREATE TABLE group_invite_codes (
    id          UUID PRIMARY KEY,
    group_id    UUID NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    code_sha256 BYTEA NOT NULL UNIQUE CHECK (octet_length(code_sha256) = 32),
    -- The first characters, so admins can tell codes apart.
    code_hint   TEXT NOT NULL,
    max_uses    INTEGER CHECK (max_uses IS NULL OR max_uses > 0),
    uses        INTEGER NOT NULL DEFAULT 0,
    expires_at  TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ,
    created_by  UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (max_uses IS NULL OR uses <= max_uses)
);

CREATE INDEX group_invite_codes_group_idx ON group_invite_codes (group_id);

CREATE TABLE group_invite_redemptions (
    code_id     UUID NOT NULL REFERENCES group_invite_codes (id) ON DELETE CASCADE,
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redeemed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (code_id, user_id)
);

-- Membership by EVE affiliation: `eligible` rules restrict who may be a member (any rule
-- matching is enough); `auto_join` rules make matching users members.
CREATE TABLE group_affiliation_rules (
    id         UUID PRIMARY KEY,
    group_id   UUID NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('corporation', 'alliance')),
    entity_id  BIGINT NOT NULL CHECK (entity_id > 0),
    effect     TEXT NOT NULL CHECK (effect IN ('eligible', 'auto_join')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (group_id, kind, entity_id)
);

CREATE INDEX group_affiliation_rules_entity_idx ON group_affiliation_rules (kind, entity_id);
CREATE INDEX characters_corporation_idx ON characters (corporation_id);
CREATE INDEX characters_alliance_idx ON characters (alliance_id);

-- Every membership change: who, what, when and why. Kept when the group is deleted.
CREATE TABLE group_membership_log (
    id         BIGSERIAL PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    group_id   UUID NOT NULL,
    group_name TEXT NOT NULL,
    user_id    UUID,
    actor_id   UUID,
    action     TEXT NOT NULL,
    reason     TEXT NOT NULL CHECK (reason IN ('manual', 'approval', 'invitation', 'code', 'rule', 'owner', 'admin')),
    detail     JSONB NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX group_membership_log_group_idx ON group_membership_log (group_id, id DESC);
CREATE INDEX group_membership_log_user_idx ON group_membership_log (user_id, id DESC);
