-- Wallet schema, version 1.
CREATE TABLE cards (
    card_id    BLOB PRIMARY KEY NOT NULL,
    credential BLOB NOT NULL,
    added_at   INTEGER NOT NULL
) WITHOUT ROWID;

-- The latest time this wallet has seen, to notice a clock that jumped back.
CREATE TABLE clock (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    latest_seen INTEGER NOT NULL
);
