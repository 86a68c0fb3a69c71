-- Why: some work must have exactly one active worker across replicas (one poller per
-- connection). A lease is held until expires_at (database clock, ms) and renewed by its
-- holder; another may take it once it has expired.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
