-- The issuer service's database (SQLite). Days are days since 1970-01-01, times seconds.
CREATE TABLE cards (
    id INTEGER PRIMARY KEY,
    holder_name TEXT NOT NULL,
    birthday INTEGER,
    card_type TEXT NOT NULL CHECK (card_type IN ('standard', 'gold')),
    region_id INTEGER NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_until INTEGER,
    status TEXT NOT NULL CHECK (status IN ('waiting', 'active', 'revoked')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX cards_region ON cards (region_id);

-- Activation codes: the lookup part in clear, the secret only as a salted hash.
CREATE TABLE codes (
    lookup TEXT PRIMARY KEY,
    card_id INTEGER NOT NULL REFERENCES cards (id),
    secret_hash BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    used_at INTEGER,
    replaced_at INTEGER
);
CREATE INDEX codes_card ON codes (card_id);

-- Device-bound credentials, one per activation; credential_id is the card id they carry.
CREATE TABLE credentials (
    credential_id BLOB PRIMARY KEY,
    card_id INTEGER NOT NULL REFERENCES cards (id),
    device_key BLOB NOT NULL,
    credential BLOB NOT NULL,
    issued_at INTEGER NOT NULL,
    code_lookup TEXT NOT NULL,
    valid_until INTEGER,
    revoked_at INTEGER,
    revoke_reason TEXT
);
CREATE INDEX credentials_card ON credentials (card_id);

CREATE TABLE revocation_lists (
    version INTEGER PRIMARY KEY,
    issued_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    bytes BLOB NOT NULL
);

-- Admin API tokens, stored as SHA-256 of the token.
CREATE TABLE admin_tokens (
    id INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('project', 'region')),
    regions TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    card_id INTEGER,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_card ON audit_log (card_id);
