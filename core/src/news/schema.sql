-- Feed store, version 2: the news notification policy and the geofencing state, beside the
-- stores and signed lists the news come with.

-- Items already notified (each at most once), by local day for the daily limit.
CREATE TABLE notified (item_id TEXT PRIMARY KEY, at INTEGER NOT NULL, day INTEGER NOT NULL);
CREATE INDEX notified_day ON notified (day);
-- Since when the holder has been inside an item's area (the dwell rule).
CREATE TABLE dwell (item_id TEXT PRIMARY KEY, first_inside INTEGER NOT NULL);
CREATE TABLE muted (category TEXT PRIMARY KEY);
CREATE TABLE settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    dwell_secs INTEGER NOT NULL, max_per_day INTEGER NOT NULL,
    quiet_start_minute INTEGER NOT NULL, quiet_end_minute INTEGER NOT NULL
);
-- The holder's news choices that change what the index holds.
CREATE TABLE news_options (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    offers_near_favorites INTEGER NOT NULL
);
-- The geofencing state machine (news/geofence.rs), CBOR: the app can be killed between two
-- geofence events.
CREATE TABLE geofence_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    state BLOB NOT NULL
);
