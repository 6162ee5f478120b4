-- Store database, version 1: partner stores (Akzeptanzstellen) and their discounts
-- (Vergünstigungen), searchable offline.
CREATE TABLE categories (
    id      INTEGER PRIMARY KEY,
    name_de TEXT NOT NULL,
    name_en TEXT NOT NULL,
    icon    TEXT NOT NULL
);

CREATE TABLE regions (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);

-- `id` is the store's stable id from the feed, so favorites and deltas can refer to it.
CREATE TABLE stores (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    category_id  INTEGER NOT NULL,
    street       TEXT NOT NULL DEFAULT '',
    house_number TEXT NOT NULL DEFAULT '',
    postal_code  TEXT NOT NULL DEFAULT '',
    city         TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    website      TEXT NOT NULL DEFAULT '',
    latitude     REAL,
    longitude    REAL,
    region_id    INTEGER,
    -- CBOR array of [text_de, text_en, valid_from, valid_until]; most stores have one.
    discounts    BLOB NOT NULL
);

-- Only stores with coordinates are in the spatial index.
CREATE VIRTUAL TABLE store_rtree USING rtree (id, min_lat, max_lat, min_lon, max_lon);

-- Folded text (see fold.rs); the rowid is the store id. `category` holds one token per store
-- (`cat3`), so a category filter stays inside the index. Column detail (no positions) is all
-- that prefix-AND queries with column filters need, at a fraction of the size; results are
-- ordered from the stores table, not by bm25.
CREATE VIRTUAL TABLE store_fts USING fts5 (
    name, discounts, city, street, category,
    content = '', contentless_delete = 1, detail = column, tokenize = 'unicode61'
);

-- Kept by store id without a foreign key: a favorite survives its store leaving the feed and
-- comes back to life when the store returns.
CREATE TABLE favorites (
    store_id INTEGER PRIMARY KEY,
    added_at INTEGER NOT NULL,
    name     TEXT NOT NULL
);

CREATE TABLE feed_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    version       INTEGER NOT NULL,
    manifest_etag TEXT,
    synced_at     INTEGER NOT NULL
);

-- The trust list and revocation lists that came with the feed, as signed bytes; a verifier
-- loads them from here and checks them again.
CREATE TABLE signed_lists (
    name    TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    bytes   BLOB NOT NULL
);
