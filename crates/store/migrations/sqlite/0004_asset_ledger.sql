-- Why: per source asset and flow, what the target holds (its ids, the fingerprint last
-- written) and which source version it came from, so that a restart or another replica
-- does not write again, and an older source version never overwrites a newer one
-- (compare-and-set on (source_modified_ms, source_read_ms)). target_ids is a JSON array.
CREATE TABLE asset_ledger (
    connection TEXT NOT NULL,
    flow TEXT NOT NULL,
    platform TEXT NOT NULL,
    asset_id TEXT NOT NULL,
    target_ids TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    source_modified_ms BIGINT NOT NULL,
    source_read_ms BIGINT NOT NULL,
    last_outcome TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (connection, flow, platform, asset_id)
);
