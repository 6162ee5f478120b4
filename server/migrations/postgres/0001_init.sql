-- The issuer service's database (PostgreSQL). Days are days since 1970-01-01, times seconds.
CREATE TABLE cards (
    id BIGSERIAL PRIMARY KEY,
    holder_name TEXT NOT NULL,
    birthday BIGINT,
    card_type TEXT NOT NULL CHECK (card_type IN ('standard', 'gold')),
    region_id BIGINT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_until BIGINT,
    status TEXT NOT NULL CHECK (status IN ('waiting', 'active', 'revoked')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX cards_region ON cards (region_id);

-- Activation codes: the lookup part in clear, the secret only as a salted hash.
CREATE TABLE codes (
    lookup TEXT PRIMARY KEY,
    card_id BIGINT NOT NULL REFERENCES cards (id),
    secret_hash BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    used_at BIGINT,
    replaced_at BIGINT
);
CREATE INDEX codes_card ON codes (card_id);

-- Device-bound credentials, one per activation; credential_id is the card id they carry.
CREATE TABLE credentials (
    credential_id BYTEA PRIMARY KEY,
    card_id BIGINT NOT NULL REFERENCES cards (id),
    device_key BYTEA NOT NULL,
    credential BYTEA NOT NULL,
    issued_at BIGINT NOT NULL,
    code_lookup TEXT NOT NULL,
    valid_until BIGINT,
    revoked_at BIGINT,
    revoke_reason TEXT
);
CREATE INDEX credentials_card ON credentials (card_id);

CREATE TABLE revocation_lists (
    version BIGINT PRIMARY KEY,
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    bytes BYTEA NOT NULL
);

-- Admin API tokens, stored as SHA-256 of the token.
CREATE TABLE admin_tokens (
    id BIGSERIAL PRIMARY KEY,
    token_hash BYTEA NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('project', 'region')),
    regions TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    card_id BIGINT,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_card ON audit_log (card_id);
